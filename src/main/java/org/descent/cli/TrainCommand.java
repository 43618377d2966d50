package org.descent.cli;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.MemoryBudget;
import org.descent.experiment.OneStepGdExperiment;
import org.descent.experiment.TrainingRun;
import org.descent.experiment.Workspace;
import org.descent.train.Checkpoints;
import org.descent.train.TrainConfig;
import org.descent.train.TrainingInterruptedException;
import org.descent.train.TrainingState;
import org.descent.util.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code descent train}: train an LSA and write a checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an LSA transformer with Adam on fresh prompt batches and write models/<run-id>/.",
                "With --resume, continue a checkpoint (same task, model and seed) into a new folder. With the same "
                        + "training options the result equals an uninterrupted run, bit for bit (same batches, same Adam "
                        + "state). Changing --steps under the cosine schedule stretches the learning-rate curve from the "
                        + "resume point on, so the run then differs from a direct run of the new length."})
final class TrainCommand implements Callable<Integer> {
    @Mixin ExperimentOptions.WithTraining experiment;
    @Mixin RuntimeOptions runtime;
    @Mixin OutputOptions.Models models;
    @Mixin OutputOptions.Quiet quiet;
    @Spec CommandSpec spec;

    @Option(names = "--resume", paramLabel = "DIR", description = "Checkpoint folder to continue from.")
    Path resume;

    @Override
    public Integer call() {
        runtime.configureEngine();
        Workspace ws = runtime.workspace(models, null).withCommand(CommandLines.of(spec));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TrainingState start = null;
        String resumedFrom = null;
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
            if (cfg.train().seed() != base.train().seed()) {
                throw new IllegalArgumentException("--resume keeps the checkpoint's seed " + base.train().seed()
                        + " (a new seed would change the data from the resume point on)");
            }
            start = loaded.state();
            resumedFrom = resume.toString();
            if (start.step() > cfg.train().steps()) {
                throw new IllegalArgumentException("checkpoint is at step " + start.step() + ", beyond the requested "
                        + cfg.train().steps() + " steps; ask for more steps to resume");
            }
            if (start.step() == cfg.train().steps()) {
                throw new IllegalArgumentException(resume + " is already at step " + start.step() + " of "
                        + cfg.train().steps() + ": nothing to train (give --steps above " + start.step()
                        + " to continue it)");
            }
            out.printf(Locale.ROOT, "resuming %s at step %d of %d%n", resume, start.step(), cfg.train().steps());
            if (cfg.train().steps() != base.train().steps() && cfg.train().schedule().equals(TrainConfig.COSINE)) {
                out.printf(Locale.ROOT, "note: the cosine schedule now spans %d steps instead of %d, so this run will "
                        + "differ from an uninterrupted run of either length%n", cfg.train().steps(),
                        base.train().steps());
            }
        } else {
            cfg = experiment.resolve();
        }
        int fromStep = start == null ? 0 : start.step();
        Preflight.memory(runtime, MemoryBudget.training(cfg.task(), cfg.model(), cfg.train()));
        Preflight.models(ws, cfg, fromStep, err);
        String runId = RunDirectory.newRunId("train");
        out.printf(Locale.ROOT, "training run %s: steps %d to %d, checkpoints %s%n", runId, fromStep,
                cfg.train().steps(), ws.modelsDir().resolve(runId + "-step<k>"));
        out.println("(Ctrl-C or SIGTERM saves a resumable checkpoint and prints the command that continues it)");
        out.flush();
        OneStepGdExperiment.Trained trained;
        try (Interrupts interrupts = Interrupts.install(err);
                Progress progress = new Progress("train", cfg.train().steps(), fromStep, quiet.quiet)) {
            trained = TrainingRun.train(cfg, ws, runId, start, resumedFrom, progress, interrupts.stop(), err::println);
        } catch (TrainingInterruptedException e) {
            return Interrupts.report(e, Interrupts.resumeOptions(runtime, ws), out, err);
        }
        float[] losses = trained.state().losses();
        out.printf(Locale.ROOT, "trained %d steps in %.1f s (median %.2f ms/step), final loss %.5f%n",
                trained.state().step(), trained.seconds(), trained.medianStepMs(), losses[losses.length - 1]);
        out.println("checkpoint: " + trained.checkpoint());
        return 0;
    }
}
