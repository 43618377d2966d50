package org.descent.cli;

import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.descent.train.LsaTrainer;

/** A terminal progress bar showing the training loss; a no-op when quiet. */
final class Progress implements LsaTrainer.StepListener, AutoCloseable {
    private final ProgressBar bar;

    Progress(String task, int total, int start, boolean quiet) {
        this.bar = quiet ? null : new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build();
        if (bar != null) {
            bar.stepTo(start);
        }
    }

    @Override
    public void onStep(int step, double loss, double lr) {
        if (bar != null) {
            bar.stepTo(step);
            if (step % 10 == 0) {
                bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", loss));
            }
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
