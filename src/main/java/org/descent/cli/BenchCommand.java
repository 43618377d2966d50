package org.descent.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
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
import org.descent.experiment.TrainingRun;
import org.descent.model.gpt2.Gpt2Regressor;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.train.Gpt2Model;
import org.descent.train.Gpt2TrainingState;
import org.descent.train.LsaTrainer;
import org.descent.train.ModelTrainer;
import org.descent.train.TrainConfig;
import org.descent.util.Json;
import org.descent.util.Provenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code descent bench}: training-step time, split by phase, and memory of a model (the default 1-layer LSA unless
 * options say otherwise; {@code --arch gpt2} a GPT-2 regressor), plus float64 evaluation speed. Compare with {@code scripts/bench_pytorch.py}, the same
 * training in plain PyTorch; {@code scripts/bench_side_by_side.sh} runs both interleaved and prints the ratios.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time training steps (batch 2048 by default, one full Adam step each: sampling, forward, "
                + "backward, "
                + "host sync, update) and report the median wall time per step and per phase, the training "
                + "thread's CPU time, peak and steady RSS, and float64 evaluation speed.")
final class BenchCommand implements Callable<Integer> {
    @Mixin ExperimentOptions.WithModel experiment;
    @Mixin RuntimeOptions runtime;
    @Spec CommandSpec spec;

    @Option(names = "--sequential-sampling",
            description = "Draw every batch on the training thread instead of drawing the next one on a second "
                    + "thread while a step trains (same batches, same results; the step then includes sampling).")
    boolean sequentialSampling;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--measure", defaultValue = "300", paramLabel = "K",
            description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int measure;

    @Option(names = "--warmup-steps", defaultValue = "30", paramLabel = "K",
            description = "Untimed warm-up steps (default: ${DEFAULT-VALUE}).")
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
        ThreadMXBean threadClock = ManagementFactory.getThreadMXBean();
        int total = warmupSteps + measure;
        long[] cpuAt = new long[total + 1]; // training thread CPU time after each step
        long[] processCpu = new long[2]; // whole-process CPU time at the end of the warm-up and of the run
        List<Double> rssTrend = new ArrayList<>();
        int rssEvery = Math.max(1, total / 20);
        try (NDManager manager = NDManager.newBaseManager(ws.device())) {
            ModelTrainer<?> trainer;
            LsaTrainer lsa = null;
            Gpt2Model gpt2 = null;
            ExperimentConfig run = new ExperimentConfig(cfg.task(), cfg.model(), tc, cfg.eval());
            if (cfg.model().isGpt2()) {
                gpt2 = Gpt2Model.of(manager, Gpt2Weights.initialize(cfg.model().gpt2Config(cfg.task()),
                        Seeds.derive(tc.seed(), Seeds.INIT, 0)), cfg.model().promptLayout());
                trainer = TrainingRun.gpt2Trainer(manager, gpt2, run, null).sampleAhead(!sequentialSampling);
            } else {
                lsa = LsaTrainer.start(manager, LsaInitialization.gaussian(cfg.task().d(), cfg.model(),
                        Seeds.derive(tc.seed(), Seeds.INIT, 0)), sampler, tc).sampleAhead(!sequentialSampling);
                trainer = lsa.trainer();
            }
            cpuAt[0] = threadClock.getCurrentThreadCpuTime();
            processCpu[0] = processCpuNanos(); // replaced at the end of the warm-up, if there is one
            trainer.run((step, loss, lr) -> {
                cpuAt[step] = threadClock.getCurrentThreadCpuTime();
                if (step == warmupSteps || step == total) {
                    processCpu[step == total ? 1 : 0] = processCpuNanos();
                }
                if (step >= warmupSteps && (step - warmupSteps) % rssEvery == 0) {
                    rssTrend.add(currentRssMb());
                }
            }, (state, status) -> "not saved (benchmark)", org.descent.train.StopSignal.never());
            double rssEnd = currentRssMb();
            long[] cpu = new long[measure];
            for (int i = 0; i < measure; i++) {
                cpu[i] = cpuAt[warmupSteps + i + 1] - cpuAt[warmupSteps + i];
            }
            // a GPT-2 in float64 is ~1000 times the LSA's work per prompt: 1,000 prompts keep the bench short
            int evalPrompts = gpt2 != null ? 1_000 : 10_000;
            String evalKey = gpt2 != null ? "1k" : "10k";
            PromptSet test = sampler.samplePromptSet(manager, evalPrompts, 1);
            org.descent.regressor.QuerySensitivity model = gpt2 != null
                    ? new Gpt2Regressor("bench", ((Gpt2TrainingState) trainer.snapshot()).weights(),
                            cfg.model().promptLayout(), manager)
                    : new LsaRegressor("bench", lsa.block().weights(), manager);
            model.predict(test);
            long e0 = System.nanoTime();
            model.predict(test);
            double predictMs = (System.nanoTime() - e0) / 1e6;
            e0 = System.nanoTime();
            model.queryJacobians(test);
            double jacobianMs = (System.nanoTime() - e0) / 1e6;
            long[] ns = measured(trainer.stepNanos());
            r.put("train_step_ms_median", quantile(ns, 0.5));
            r.put("train_step_ms_p10", quantile(ns, 0.1));
            r.put("train_step_ms_p90", quantile(ns, 0.9));
            r.put("train_step_cpu_ms_median", quantile(cpu, 0.5));
            r.put("process_cpu_ms_per_step", (processCpu[1] - processCpu[0]) / 1e6 / measure);
            r.put("sampling", sequentialSampling ? "sequential" : "ahead");
            r.put("steps_per_s", 1e3 / quantile(ns, 0.5));
            Map<String, Double> phases = new LinkedHashMap<>();
            for (ModelTrainer.Phase phase : ModelTrainer.Phase.values()) {
                phases.put(phase.name().toLowerCase(Locale.ROOT), quantile(measured(trainer.phaseNanos(phase)), 0.5));
            }
            r.put("phase_ms_median", phases);
            r.put("peak_rss_mb", peakRssMb());
            r.put("rss_mb_after_warmup", rssTrend.isEmpty() ? rssEnd : rssTrend.get(0));
            r.put("rss_mb_end", rssEnd);
            r.put("rss_mb_trend", rssTrend);
            r.put("eval_predict_" + evalKey + "_float64_ms", predictMs);
            r.put("eval_jacobians_" + evalKey + "_float64_ms", jacobianMs);
            r.put("final_loss", (double) trainer.losses()[trainer.step() - 1]);
            r.put("batch", tc.batchSize());
            r.put("d", cfg.task().d());
            r.put("n", cfg.task().n());
            r.put("arch", cfg.model().architecture());
            r.put("layers", cfg.model().layers());
            if (gpt2 != null) {
                r.put("heads", cfg.model().heads());
                r.put("width", cfg.model().width());
                r.put("positions", gpt2.config().positions());
                r.put("layout", cfg.model().layout());
                r.put("parameters", gpt2.config().parameterCount());
            }
            r.put("measured_steps", measure);
            r.put("warmup_steps", warmupSteps);
            r.put("device", ws.device().toString());
            r.put("threads", runtime.threads);
            r.put("cpu_model", Provenance.cpuModel());
            r.put("malloc", mallocInUse());
            r.put("mkl_cbwr", System.getenv().getOrDefault("MKL_CBWR", "unset"));
            r.put("engine_version", ai.djl.engine.Engine.getInstance().getVersion());
        }
        if (json) {
            spec.commandLine().getOut().println(Json.write(r));
        } else {
            r.forEach((k, v) -> spec.commandLine().getOut().printf(Locale.ROOT, "%-30s %s%n", k, text(v)));
        }
        return 0;
    }

    /** A value for the plain-text listing: numbers to three decimals, maps and lists inline. */
    private static String text(Object v) {
        if (v instanceof Double dv) {
            return String.format(Locale.ROOT, "%.3f", dv);
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder();
            m.forEach((k, x) -> b.append(b.length() == 0 ? "" : "  ").append(k).append(' ').append(text(x)));
            return b.toString();
        }
        if (v instanceof List<?> l) {
            return String.join(" ", l.stream().map(BenchCommand::text).toList());
        }
        return String.valueOf(v);
    }

    /** The measured steps (after the warm-up) of a per-step series. */
    private long[] measured(long[] perStep) {
        return Arrays.copyOfRange(perStep, warmupSteps, warmupSteps + measure);
    }

    /** The {@code q} quantile (lower order statistic) of nanosecond samples, in milliseconds. */
    static double quantile(long[] nanos, double q) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }

    /** CPU time of the whole process (every thread, including the sampling thread, GC and JIT), nanoseconds. */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** Peak resident set size of this process in MiB (VmHWM), or -1 where /proc is unavailable. */
    static double peakRssMb() {
        return procStatusMb("VmHWM:");
    }

    /** Current resident set size of this process in MiB (VmRSS), or -1 where /proc is unavailable. */
    static double currentRssMb() {
        return procStatusMb("VmRSS:");
    }

    private static double procStatusMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** The malloc this process runs with: a preloaded jemalloc or tcmalloc (see the launcher), else the C library's. */
    static String mallocInUse() {
        try {
            String maps = Files.readString(Path.of("/proc/self/maps"));
            if (maps.contains("libjemalloc")) {
                return "jemalloc";
            }
            if (maps.contains("libtcmalloc")) {
                return "tcmalloc";
            }
            return "libc";
        } catch (IOException e) {
            return "unknown";
        }
    }
}
