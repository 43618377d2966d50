package org.descent.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.MemoryBudget;
import org.descent.experiment.Workspace;
import org.descent.model.LsaInitialization;
import org.descent.model.LsaRegressor;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskSampler;
import org.descent.task.TaskSamplers;
import org.descent.train.LsaTrainer;
import org.descent.train.TrainConfig;
import org.descent.util.Json;
import org.descent.util.Provenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code descent bench}: training-step time and memory of the default model. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time training steps of the default model (batch 2048, one full Adam step each: sampling, "
                + "forward, backward, update) and report the median, plus peak RSS and float64 evaluation speed.")
final class BenchCommand implements Callable<Integer> {
    @Mixin ExperimentOptions.WithModel experiment;
    @Mixin RuntimeOptions runtime;
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--measure", defaultValue = "300", paramLabel = "K", description = "Timed steps (default 300).")
    int measure;

    @Option(names = "--warmup-steps", defaultValue = "30", paramLabel = "K",
            description = "Untimed warm-up steps (default 30).")
    int warmupSteps;

    @Override
    public Integer call() {
        runtime.configureEngine();
        if (measure <= 0 || warmupSteps < 0) {
            throw new IllegalArgumentException("--measure must be positive and --warmup-steps >= 0");
        }
        ExperimentConfig cfg = experiment.resolve();
        Workspace ws = runtime.workspace();
        TaskSampler sampler = TaskSamplers.forTask(cfg.task());
        TrainConfig tc = cfg.train().withSteps(warmupSteps + measure);
        Preflight.memory(runtime, MemoryBudget.training(cfg.task(), cfg.model(), tc),
                MemoryBudget.evaluation(cfg.task(), cfg.model(), 10_000, 1));
        Map<String, Object> r = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager(ws.device())) {
            LsaTrainer trainer = LsaTrainer.start(manager,
                    LsaInitialization.gaussian(cfg.task().d(), cfg.model(), Seeds.derive(tc.seed(), Seeds.INIT, 0)),
                    sampler, tc);
            trainer.run((s, l, lr) -> { }, (state, status) -> "not saved (benchmark)");
            long[] ns = Arrays.copyOfRange(trainer.stepNanos(), warmupSteps, warmupSteps + measure);
            Arrays.sort(ns);
            PromptSet test = sampler.samplePromptSet(manager, 10_000, 1);
            LsaRegressor model = new LsaRegressor("bench", trainer.block().weights(), manager);
            model.predict(test);
            long e0 = System.nanoTime();
            model.predict(test);
            double predictMs = (System.nanoTime() - e0) / 1e6;
            e0 = System.nanoTime();
            model.queryJacobians(test);
            double jacobianMs = (System.nanoTime() - e0) / 1e6;
            r.put("train_step_ms_median", ns[ns.length / 2] / 1e6);
            r.put("train_step_ms_p10", ns[ns.length / 10] / 1e6);
            r.put("train_step_ms_p90", ns[ns.length * 9 / 10] / 1e6);
            r.put("steps_per_s", 1e9 / ns[ns.length / 2]);
            r.put("peak_rss_mb", peakRssMb());
            r.put("eval_predict_10k_float64_ms", predictMs);
            r.put("eval_jacobians_10k_float64_ms", jacobianMs);
            r.put("batch", tc.batchSize());
            r.put("d", cfg.task().d());
            r.put("n", cfg.task().n());
            r.put("layers", cfg.model().layers());
            r.put("measured_steps", measure);
            r.put("warmup_steps", warmupSteps);
            r.put("device", ws.device().toString());
            r.put("threads", runtime.threads);
            r.put("engine_version", Provenance.collect(ws.device()).get("engine_version"));
        }
        if (json) {
            spec.commandLine().getOut().println(Json.write(r));
        } else {
            r.forEach((k, v) -> spec.commandLine().getOut().printf(Locale.ROOT, "%-30s %s%n", k,
                    v instanceof Double dv ? String.format(Locale.ROOT, "%.3f", dv) : v));
        }
        return 0;
    }

    /** Peak resident set size of this process in MiB (VmHWM), or -1 where /proc is unavailable. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
