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
import org.descent.train.Gpt2Checkpoints;
import org.descent.train.Gpt2TrainingState;
import org.descent.train.TrainConfig;
import org.descent.train.TrainingInterruptedException;
import org.descent.train.TrainingState;
import org.descent.util.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code descent train}: train an LSA or a GPT-2 regressor and write a checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an LSA transformer (or, with --arch gpt2, a GPT-2 regressor) with Adam on fresh prompt "
                + "batches and write models/<run-id>-step<k>/. A GPT-2 run ends with error vs k on held-out prompts "
                + "next to OLS, one GD step and the zero predictor (printed, and metrics.json and report.md in the "
                + "final checkpoint).",
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
        Gpt2TrainingState gpt2Start = null;
        String resumedFrom = null;
        ExperimentConfig cfg;
        if (resume != null) {
            ExperimentConfig base;
            int step;
            if (Gpt2Checkpoints.isCheckpoint(resume)) {
                Gpt2Checkpoints.Loaded loaded = Gpt2Checkpoints.load(resume);
                base = loaded.config();
                gpt2Start = loaded.state();
                step = gpt2Start.step();
            } else {
                Checkpoints.Loaded loaded;
                try (NDManager manager = NDManager.newBaseManager(ws.device())) {
                    loaded = Checkpoints.load(resume, manager);
                }
                base = new ExperimentConfig(loaded.manifest().task(), loaded.manifest().model(),
                        loaded.manifest().train(), null);
                start = loaded.state();
                step = start.step();
            }
            cfg = experiment.resolve(base);
            if (!cfg.task().equals(base.task()) || !cfg.model().equals(base.model())) {
                throw new IllegalArgumentException("--resume keeps the checkpoint's task and model; only training "
                        + "options may change");
            }
            if (cfg.train().seed() != base.train().seed()) {
                throw new IllegalArgumentException("--resume keeps the checkpoint's seed " + base.train().seed()
                        + " (a new seed would change the data from the resume point on)");
            }
            if (!java.util.Objects.equals(cfg.train().curriculum(), base.train().curriculum())) {
                throw new IllegalArgumentException("--resume keeps the checkpoint's curriculum "
                        + base.train().curriculum() + " (another one would change the data from the resume point on)");
            }
            resumedFrom = resume.toString();
            if (step > cfg.train().steps()) {
                throw new IllegalArgumentException("checkpoint is at step " + step + ", beyond the requested "
                        + cfg.train().steps() + " steps; ask for more steps to resume");
            }
            if (step == cfg.train().steps()) {
                throw new IllegalArgumentException(resume + " is already at step " + step + " of "
                        + cfg.train().steps() + ": nothing to train (give --steps above " + step
                        + " to continue it)");
            }
            out.printf(Locale.ROOT, "resuming %s at step %d of %d%n", resume, step, cfg.train().steps());
            if (cfg.train().steps() != base.train().steps() && cfg.train().schedule().equals(TrainConfig.COSINE)) {
                out.printf(Locale.ROOT, "note: the cosine schedule now spans %d steps instead of %d, so this run will "
                        + "differ from an uninterrupted run of either length%n", cfg.train().steps(),
                        base.train().steps());
            }
        } else {
            cfg = experiment.resolve();
        }
        int fromStep = start != null ? start.step() : gpt2Start != null ? gpt2Start.step() : 0;
        Preflight.memory(runtime, MemoryBudget.training(cfg.task(), cfg.model(), cfg.train()));
        Preflight.models(ws, cfg, fromStep, err);
        String runId = RunDirectory.newRunId("train");
        out.printf(Locale.ROOT, "training run %s: steps %d to %d, checkpoints %s%n", runId, fromStep,
                cfg.train().steps(), ws.modelsDir().resolve(runId + "-step<k>"));
        out.println("(Ctrl-C or SIGTERM saves a resumable checkpoint and prints the command that continues it)");
        out.flush();
        if (cfg.model().isGpt2()) {
            TrainingRun.Gpt2Trained trained;
            try (Interrupts interrupts = Interrupts.install(err);
                    Progress progress = new Progress("train", cfg.train().steps(), fromStep, quiet.quiet)) {
                trained = TrainingRun.trainGpt2(cfg, ws, runId, gpt2Start, resumedFrom, progress, interrupts.stop(),
                        err::println);
            } catch (TrainingInterruptedException e) {
                return Interrupts.report(e, Interrupts.resumeOptions(runtime, ws), out, err);
            }
            float[] losses = trained.state().losses();
            out.printf(Locale.ROOT, "trained %d steps in %.1f s (median %.2f ms/step), final loss %.5f%n",
                    trained.state().step(), trained.seconds(), trained.medianStepMs(), losses[losses.length - 1]);
            out.printf(Locale.ROOT, "error vs k (MSE / zero predictor's MSE, %d held-out prompts):%n",
                    trained.evaluation().prompts());
            out.print(trained.evaluation().table());
            out.println("checkpoint: " + trained.checkpoint());
            return 0;
        }
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
