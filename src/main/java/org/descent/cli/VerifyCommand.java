package org.descent.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.MemoryBudget;
import org.descent.experiment.OneStepGdExperiment;
import org.descent.experiment.RunCache;
import org.descent.experiment.TrainingRun;
import org.descent.train.TrainingInterruptedException;
import org.descent.util.OutputFailedException;
import org.descent.experiment.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code descent verify}: the main job. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Train a 1-layer LSA (defaults: d = N = 10, x ~ U(-1,1)^d, Adam lr 1e-3, batch 2048), build "
                + "the one-step GD construction with the optimal step size, compare them on 10,000 fresh prompts and "
                + "write a report to reports/<run-id>/.",
                "Prints the verdict table, the report path and the time taken."})
final class VerifyCommand implements Callable<Integer> {
    @Mixin ExperimentOptions.WithEvaluation experiment;
    @Mixin RuntimeOptions runtime;
    @Mixin OutputOptions.Models models;
    @Mixin OutputOptions.Reports reports;
    @Mixin OutputOptions.Quiet quiet;
    @Mixin FailOnOption failOn;
    @Spec CommandSpec spec;

    @picocli.CommandLine.Option(names = "--seeds", defaultValue = "1", paramLabel = "S",
            description = "Repeat over training seeds seed..seed+S-1 and report each headline metric's mean with a "
                    + "Student t 95%% interval over seeds; verdicts use the interval (default 1: the verdict is then "
                    + "about the one trained model, on bootstrap intervals over its test prompts).")
    int seeds;

    @picocli.CommandLine.Option(names = "--no-cache",
            description = "Train even when the run cache (models-dir/.run-cache) holds a finished training of the same "
                    + "config, seed and code version (by default it is reused; README \"The run cache\").")
    boolean noCache;

    @Override
    public Integer call() {
        runtime.configureEngine();
        long t0 = System.nanoTime();
        if (seeds <= 0) {
            throw new IllegalArgumentException("--seeds must be a positive integer, got " + seeds);
        }
        ExperimentConfig cfg = experiment.resolve();
        Workspace ws = runtime.workspace(models, reports).withCommand(CommandLines.of(spec));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Preflight.memory(runtime, MemoryBudget.training(cfg.task(), cfg.model(), cfg.train()),
                MemoryBudget.evaluation(cfg.task(), cfg.model(), cfg.eval().testPrompts(), cfg.eval().searchPrompts()));
        if (seeds > 1) {
            Preflight.output(ws.modelsDir(), "--models-dir", seeds * org.descent.train.Checkpoints.estimateBytes(
                    cfg.task(), cfg.model(), cfg.train().steps()), err);
            Preflight.reports(ws, err);
            java.util.List<Long> list = new java.util.ArrayList<>();
            for (int i = 0; i < seeds; i++) {
                list.add(cfg.train().seed() + i);
            }
            return ReproduceCommand.runPreset(new org.descent.experiment.reproduce.VonOswaldSingleLayer(cfg), list,
                    ws, quiet.quiet, failOn, "verify", cfg, !noCache, 0, out, err, t0);
        }
        out.printf(Locale.ROOT, "descent verify: %d-layer LSA on d=%d, N=%d, x ~ %s, noise %s; %d steps of Adam on %s"
                + "%n", cfg.model().layers(), cfg.task().d(), cfg.task().n(), cfg.task().inputs(), cfg.task().noise(),
                cfg.train().steps(), ws.device());
        out.flush();
        Preflight.models(ws, cfg, 0, err);
        Preflight.reports(ws, err);
        OneStepGdExperiment.Trained trained = null;
        RunCache.Hit hit = null;
        if (!noCache) {
            try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(ws.device())) {
                RunCache.Lookup found = RunCache.lookup(ws.modelsDir(), cfg, ws.device(), manager);
                if (found.missReason() != null) {
                    err.println("descent: note: run cache entry not used (" + found.missReason() + "); training");
                }
                hit = found.hit();
            }
        }
        if (hit != null) {
            trained = new OneStepGdExperiment.Trained(hit.checkpoint(), hit.loaded().state(), 0.0, hit.medianStepMs());
            out.printf(Locale.ROOT, "reusing checkpoint %s (run cache: same config, seed and code version; trained in "
                    + "%.1f s then; --no-cache trains again)%n", hit.checkpoint(), hit.trainSeconds());
        } else {
            try (Interrupts interrupts = Interrupts.install(err);
                    Progress progress = new Progress("train", cfg.train().steps(), 0, quiet.quiet)) {
                trained = TrainingRun.train(cfg, ws, null, null, progress, interrupts.stop(), err::println);
            } catch (TrainingInterruptedException e) {
                return Interrupts.report(e, Interrupts.resumeOptions(runtime, ws), out, err);
            }
            RunCache.record(ws.modelsDir(), cfg, ws.device(), trained.checkpoint(), trained.seconds(),
                    trained.medianStepMs());
            out.printf(Locale.ROOT, "trained in %.1f s (median %.2f ms/step); checkpoint %s%n", trained.seconds(),
                    trained.medianStepMs(), trained.checkpoint());
        }
        out.println("comparing with one step of GD on " + cfg.eval().testPrompts() + " test prompts ...");
        out.flush();
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("checkpoint", trained.checkpoint().toString());
        extra.put("checkpoint_params_sha256", OneStepGdExperiment.parameterChecksum(trained.checkpoint()));
        Map<String, Object> timings = new LinkedHashMap<>(); // ordered: the sweep table's columns follow it
        timings.put("train_s", trained.seconds());
        timings.put("train_step_ms_median", trained.medianStepMs());
        extra.put("timings", timings);
        extra.put("training_cached", hit != null);
        if (hit != null) {
            extra.put("cached_train_s", hit.trainSeconds());
        }
        OneStepGdExperiment.Compared compared;
        try {
            compared = OneStepGdExperiment.compare(cfg, ws, trained.state().weights(), trained.state().losses(), null,
                    extra, "verify");
        } catch (java.io.UncheckedIOException e) {
            throw new OutputFailedException("could not write the report: " + e.getMessage() + ". The trained "
                    + "checkpoint is safe at " + trained.checkpoint() + "; redo the comparison with: ./descent compare "
                    + "--checkpoint " + Interrupts.quote(trained.checkpoint().toString()), e);
        }
        Console.verdict(out, compared.result(), compared.metrics());
        out.printf(Locale.ROOT, "report: %s%n", compared.report().resolve("report.html"));
        out.printf(Locale.ROOT, "total time: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        out.flush();
        return failOn.exitCode(FailOnOption.ofComparison(compared.result().verdict()), compared.result().verdict(), err);
    }
}
