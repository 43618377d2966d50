package org.descent.cli;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.OneStepGdExperiment;
import org.descent.experiment.Workspace;
import org.descent.train.Checkpoints;
import org.descent.train.TrainingState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code descent train}: train an LSA and write a checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an LSA transformer with Adam on fresh prompt batches and write models/<run-id>/.",
                "With --resume, continue a checkpoint (its task and model; training options may be changed, e.g. "
                        + "more --steps) into a new folder; the result equals an uninterrupted run."})
final class TrainCommand implements Callable<Integer> {
    @Mixin ExperimentOptions experiment;
    @Mixin RuntimeOptions runtime;
    @Spec CommandSpec spec;

    @Option(names = "--resume", paramLabel = "DIR", description = "Checkpoint folder to continue from.")
    Path resume;

    @Override
    public Integer call() {
        runtime.configureEngine();
        Workspace ws = runtime.workspace();
        PrintWriter out = spec.commandLine().getOut();
        TrainingState start = null;
        ExperimentConfig cfg;
        if (resume != null) {
            Checkpoints.Loaded loaded;
            try (NDManager manager = NDManager.newBaseManager(ws.device())) {
                loaded = Checkpoints.load(resume, manager);
            }
            ExperimentConfig base = new ExperimentConfig(loaded.manifest().task(), loaded.manifest().model(),
                    loaded.manifest().train(), null);
            cfg = experiment.resolve(base);
            if (!cfg.task().equals(base.task()) || !cfg.model().equals(base.model())) {
                throw new IllegalArgumentException("--resume keeps the checkpoint's task and model; only training "
                        + "options may change");
            }
            start = loaded.state();
            out.printf(Locale.ROOT, "resuming %s at step %d of %d%n", resume, start.step(), cfg.train().steps());
        } else {
            cfg = experiment.resolve();
        }
        OneStepGdExperiment.Trained trained;
        try (Progress progress = new Progress("train", cfg.train().steps(), start == null ? 0 : start.step(),
                runtime.quiet)) {
            trained = OneStepGdExperiment.train(cfg, ws, start, progress);
        }
        float[] losses = trained.state().losses();
        out.printf(Locale.ROOT, "trained %d steps in %.1f s (median %.2f ms/step), final loss %.5f%n",
                trained.state().step(), trained.seconds(), trained.medianStepMs(), losses[losses.length - 1]);
        out.println("checkpoint: " + trained.checkpoint());
        return 0;
    }
}
