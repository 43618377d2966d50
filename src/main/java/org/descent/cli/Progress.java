package org.descent.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.descent.train.LsaTrainer;

/**
 * Training progress on standard error: a redrawn progress bar with the loss when standard error is a terminal, one
 * plain line per tenth of the run otherwise (logs, CI, pipes: no carriage returns); nothing when quiet.
 */
final class Progress implements LsaTrainer.StepListener, AutoCloseable {
    /** How progress is shown. */
    enum Mode {
        /** nothing ({@code -q}) */
        OFF,
        /** a progress bar redrawn in place (a terminal) */
        BAR,
        /** a plain line at every tenth of the steps (anything else) */
        LINES
    }

    /** Plain lines per run (one per tenth of the steps). */
    static final int LINES_PER_RUN = 10;

    private final ProgressBar bar;
    private final PrintStream out;
    private final String task;
    private final int total;
    private final long t0 = System.nanoTime();
    private int lastTenth;
    /** The first step reported and when (the rate for the time left is measured from there, after the set-up). */
    private int firstStep = -1;
    private long firstNanos;

    Progress(String task, int total, int start, boolean quiet) {
        this(task, total, start, quiet ? Mode.OFF : stderrIsTerminal() ? Mode.BAR : Mode.LINES, System.err);
    }

    Progress(String task, int total, int start, Mode mode, PrintStream out) {
        this.task = task;
        this.total = total;
        this.lastTenth = tenth(start);
        this.out = mode == Mode.LINES ? out : null;
        this.bar = mode == Mode.BAR ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build() : null;
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
        if (out == null) {
            return;
        }
        long now = System.nanoTime();
        if (firstStep < 0) {
            firstStep = step;
            firstNanos = now;
        }
        if (tenth(step) > lastTenth) {
            lastTenth = tenth(step);
            String left = step > firstStep && step < total ? String.format(Locale.ROOT, ", ~%.0f s left",
                    (now - firstNanos) / 1e9 / (step - firstStep) * (total - step)) : "";
            out.printf(Locale.ROOT, "%s %3d%%  step %d/%d  loss %.4f  %.0f s elapsed%s%n", task,
                    (int) Math.floor(100.0 * step / total), step, total, loss, (now - t0) / 1e9, left);
            out.flush();
        }
    }

    /** Which tenth of the run {@code step} has completed (0 to 10). */
    private int tenth(int step) {
        return total <= 0 ? LINES_PER_RUN : (int) Math.min(LINES_PER_RUN, (long) step * LINES_PER_RUN / total);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }

    /**
     * Whether standard error is a terminal: where Linux's {@code /proc} says what file descriptor 2 is, a
     * {@code /dev/pts/*} or {@code /dev/tty*} device; elsewhere, whether the JVM has a console.
     */
    static boolean stderrIsTerminal() {
        try {
            String target = Path.of("/proc/self/fd/2").toRealPath().toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return System.console() != null;
        }
    }
}
