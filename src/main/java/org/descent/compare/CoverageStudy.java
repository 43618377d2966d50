package org.descent.compare;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.OptimalStepSize;
import org.descent.oracle.PreconditionerTheory;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Do the product's 95% intervals cover the truth 95% of the time at the sample sizes it uses? Measured by simulation
 * with known truths, seeded and deterministic.
 *
 * <p><b>Seed level</b> ({@link SeedIntervals#studentT}, the interval of every headline over S ≥ 2 seeds): for
 * S ∈ {2, 3, 5, 10}, many samples of S per-seed values from a known distribution; coverage = fraction of intervals
 * that contain the true mean. Distributions (gated: they decide whether an S is calibrated):
 * <ul>
 *   <li>normal (the t interval is exact here: a check of the implementation);</li>
 *   <li>log-normal with log-sd {@value #LOGNORMAL_SIGMA} (coefficient of variation 0.36, skewness 1.1): a positive,
 *       right-skewed metric whose spread over seeds is a third of its mean, like a weight distance or a relative
 *       gap that varies between training runs.</li>
 * </ul>
 * A stress row, log-normal with log-sd {@value #STRESS_SIGMA} (CV 1.3, skewness 6.2: a metric that occasionally
 * explodes for one seed), is reported but not gated: there the t interval under-covers (about 82–90%), as any interval
 * from ≤ 10 values must; per-seed values in every report let a reader see such a seed.
 *
 * <p><b>Prompt level</b> (the percentile bootstrap over test prompts, used for per-prompt statistics of one trained
 * model and by every probe): fresh prompts of a linear task with heavy-tailed per-prompt values (x ~ N(0, I_10),
 * w ~ N(0, I), N = 10, σ = 0.5), comparing A = PGD(Γ_A) with Γ_A = η*·diag(0.6 … 1.4) against B = GD(η*). The truths
 * are exact (closed forms via {@link PreconditionerTheory}): the mean squared difference
 * {@code E[(ŷ_A − ŷ_B)²] = tr(Δᵀ Σ Δ G)} (Δ = Γ_A − η*I, G = E[h hᵀ]), the relative SPD
 * {@code E[(ŷ_A − ŷ_B)²] / E[ŷ_A²]} and the relative MSE gap {@code L(Γ_A)/L(η*I) − 1}. Each is tested with the
 * interval methods passed in ({@link PromptIntervals}; the probes' {@code PromptBootstrap} by default).
 *
 * <p>Target: coverage in [{@value #TARGET_LOW}, {@value #TARGET_HIGH}] for every gated row. A seed count S whose
 * gated rows miss it cannot support claims ({@link Result#inconclusiveSeedCounts()}): verdicts at that S must be
 * inconclusive.
 */
public final class CoverageStudy {
    /** The seed counts studied. */
    public static final int[] SEED_COUNTS = {2, 3, 5, 10};
    public static final double TARGET_LOW = 0.925;
    public static final double TARGET_HIGH = 0.975;
    static final double LOGNORMAL_SIGMA = 0.35;
    static final double STRESS_SIGMA = 1.0;

    /** Seed-level method name (what the headlines use for S ≥ 2). */
    public static final String STUDENT_T = "student-t over seeds";
    /** Prompt-level method names. */
    public static final String PROMPT_MEAN = "prompt bootstrap: mean (squared difference)";
    public static final String PROMPT_RELATIVE_SPD = "prompt bootstrap: ratio (relative SPD)";
    public static final String PROMPT_RELATIVE_GAP = "prompt bootstrap: ratio (relative MSE gap)";

    private CoverageStudy() {}

    /**
     * How much to simulate.
     *
     * @param seedRepetitions samples of S values per distribution and S
     * @param promptRepetitions prompt sets per prompt-level statistic
     * @param prompts test prompts per prompt set (B)
     * @param resamples bootstrap resamples of the default prompt intervals
     * @param seed the study's seed
     */
    public record Settings(int seedRepetitions, int promptRepetitions, int prompts, int resamples, long seed) {
        public Settings {
            if (seedRepetitions < 100 || promptRepetitions < 10 || prompts < 100 || resamples < 10) {
                throw new IllegalArgumentException("coverage study: at least 100 seed repetitions, 10 prompt "
                        + "repetitions, 100 prompts and 10 resamples");
            }
        }

        /** A few seconds, for CI: binomial standard errors ≈ 0.2% (seeds) and ≈ 2% (prompts). */
        public static Settings fast() {
            return new Settings(10_000, 120, 2_000, 1_000, 20231L);
        }

        /** For {@code descent calibrate}: ≥ 1000 repetitions everywhere, the probes' B = 10,000 prompts. */
        public static Settings full() {
            return new Settings(40_000, 1_000, 10_000, 1_000, 20231L);
        }
    }

    /**
     * One measured coverage.
     *
     * @param method the interval method (e.g. {@link #STUDENT_T})
     * @param distribution what was sampled
     * @param seeds S for seed-level rows, 1 for prompt-level rows
     * @param prompts B for prompt-level rows, 0 for seed-level rows
     * @param repetitions simulated samples
     * @param coverage fraction of intervals that contained the truth
     * @param standardError binomial standard error {@code √(c(1 − c)/n)}
     * @param gated whether this row decides calibration (false: a reported stress case)
     */
    public record Row(String method, String distribution, int seeds, int prompts, int repetitions, double coverage,
            double standardError, boolean gated) {
        /** Coverage within the target range. */
        public boolean withinTarget() {
            return coverage >= TARGET_LOW && coverage <= TARGET_HIGH;
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", method);
            m.put("distribution", distribution);
            m.put("seeds", seeds);
            m.put("prompts", prompts);
            m.put("repetitions", repetitions);
            m.put("coverage", coverage);
            m.put("standard_error", standardError);
            m.put("gated", gated);
            m.put("within_target", withinTarget());
            return m;
        }
    }

    /**
     * The study's outcome.
     *
     * @param settings what was simulated
     * @param rows every measured coverage
     * @param inconclusiveSeedCounts the S whose gated seed-level rows missed the target: claims at these S must be
     *     inconclusive (empty when every S studied is calibrated)
     * @param promptIntervalsCalibrated whether every gated prompt-level row is within target
     */
    public record Result(Settings settings, List<Row> rows, List<Integer> inconclusiveSeedCounts,
            boolean promptIntervalsCalibrated) {
        public Result {
            rows = List.copyOf(rows);
            inconclusiveSeedCounts = List.copyOf(inconclusiveSeedCounts);
        }

        /** The rows of one method. */
        public List<Row> rows(String method) {
            return rows.stream().filter(r -> r.method().equals(method)).toList();
        }

        /** One line per finding, for a report or a console. */
        public String summary() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "target coverage %.1f–%.1f%%%n", 100 * TARGET_LOW, 100 * TARGET_HIGH));
            for (Row r : rows) {
                sb.append(String.format(Locale.ROOT, "%-44s %-34s %s %5.1f%% ± %.1f%% (%d reps)%s%n", r.method(),
                        r.distribution(), r.seeds() > 1 ? "S=" + r.seeds() + (r.seeds() < 10 ? " " : "")
                                : "B=" + r.prompts(), 100 * r.coverage(), 100 * r.standardError(), r.repetitions(),
                        r.gated() ? (r.withinTarget() ? "" : "  OUT OF TARGET") : "  (stress, not gated)"));
            }
            sb.append(inconclusiveSeedCounts.isEmpty() ? "seed-level intervals calibrated for every S studied"
                    : "seed counts " + inconclusiveSeedCounts + " cannot support claims: verdicts there are inconclusive");
            sb.append(System.lineSeparator());
            sb.append(promptIntervalsCalibrated ? "prompt-level intervals calibrated"
                    : "prompt-level intervals NOT calibrated at B = " + settings.prompts());
            return sb.toString();
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", List.of(TARGET_LOW, TARGET_HIGH));
            m.put("settings", Map.of("seed_repetitions", settings.seedRepetitions(), "prompt_repetitions",
                    settings.promptRepetitions(), "prompts", settings.prompts(), "resamples", settings.resamples(),
                    "seed", settings.seed()));
            m.put("rows", rows.stream().map(Row::toJson).toList());
            Map<String, Object> bySeeds = new LinkedHashMap<>();
            for (int s : SEED_COUNTS) {
                Map<String, Object> e = new LinkedHashMap<>();
                for (Row r : rows) {
                    if (r.seeds() == s) {
                        e.put(r.distribution(), r.coverage());
                    }
                }
                e.put("verdicts", inconclusiveSeedCounts.contains(s) ? "inconclusive (interval not calibrated)"
                        : "allowed");
                bySeeds.put(Integer.toString(s), e);
            }
            m.put("coverage_by_seeds", bySeeds);
            m.put("inconclusive_seed_counts", inconclusiveSeedCounts);
            m.put("prompt_intervals_calibrated", promptIntervalsCalibrated);
            return m;
        }
    }

    /**
     * The interval methods the prompt-level study tests; pass the probes' {@code PromptBootstrap} as
     * {@code new PromptIntervals(pb::mean, pb::ratio)}. Labels are unique per statistic and repetition.
     */
    public record PromptIntervals(MeanInterval mean, RatioInterval ratio) {
        /** The percentile bootstrap over prompts ({@link Bootstrap#of}), as the probes and one-seed headlines use. */
        public static PromptIntervals percentileBootstrap(int resamples, double level, long seed) {
            return new PromptIntervals((label, v) -> Bootstrap.of(v.length, Bootstrap.meanOf(v), resamples, level,
                    seedFor(seed, label)), (label, num, den) -> Bootstrap.of(num.length, Bootstrap.ratioOf(num, den),
                    resamples, level, seedFor(seed, label)));
        }

        private static long seedFor(long seed, String label) {
            return Seeds.derive(seed, label.hashCode(), 0);
        }
    }

    /** Interval of the mean of per-prompt values. */
    @FunctionalInterface
    public interface MeanInterval {
        Bootstrap.Interval of(String label, double[] values);
    }

    /** Interval of {@code Σ num / Σ den} over prompts. */
    @FunctionalInterface
    public interface RatioInterval {
        Bootstrap.Interval of(String label, double[] num, double[] den);
    }

    /** The whole study with the default prompt intervals (percentile bootstrap, the settings' resamples, 95%). */
    public static Result run(Settings settings) {
        return run(settings, PromptIntervals.percentileBootstrap(settings.resamples(), SeedIntervals.LEVEL,
                settings.seed()));
    }

    /** The whole study with the given prompt-level interval methods. */
    public static Result run(Settings settings, PromptIntervals intervals) {
        List<Row> rows = new ArrayList<>(seedLevel(settings));
        rows.addAll(promptLevel(settings, intervals));
        TreeSet<Integer> bad = new TreeSet<>();
        boolean promptOk = true;
        for (Row r : rows) {
            if (!r.gated() || r.withinTarget()) {
                continue;
            }
            if (r.prompts() == 0) {
                bad.add(r.seeds());
            } else {
                promptOk = false;
            }
        }
        return new Result(settings, rows, new ArrayList<>(bad), promptOk);
    }

    /** Seed-level rows: Student t over S seeds for every S in {@link #SEED_COUNTS} and every distribution. */
    public static List<Row> seedLevel(Settings settings) {
        List<Row> rows = new ArrayList<>();
        record Dist(String name, double logSigma, boolean gated) {}
        List<Dist> dists = List.of(new Dist("normal", 0, true),
                new Dist(String.format(Locale.ROOT, "log-normal (log-sd %.2f, skew 1.1)", LOGNORMAL_SIGMA),
                        LOGNORMAL_SIGMA, true),
                new Dist(String.format(Locale.ROOT, "log-normal (log-sd %.2f, skew 6.2)", STRESS_SIGMA),
                        STRESS_SIGMA, false));
        for (int di = 0; di < dists.size(); di++) {
            Dist dist = dists.get(di);
            double truth = dist.logSigma() == 0 ? 0.3 : Math.exp(dist.logSigma() * dist.logSigma() / 2);
            for (int s : SEED_COUNTS) {
                SplittableRandom rng = new SplittableRandom(Seeds.derive(settings.seed(), 1000 * di + s, 1));
                double[] x = new double[s];
                int covered = 0;
                for (int r = 0; r < settings.seedRepetitions(); r++) {
                    for (int k = 0; k < s; k++) {
                        double z = rng.nextGaussian();
                        x[k] = dist.logSigma() == 0 ? 0.3 + 0.1 * z : Math.exp(dist.logSigma() * z);
                    }
                    if (SeedIntervals.studentT(x).contains(truth)) {
                        covered++;
                    }
                }
                rows.add(row(STUDENT_T, dist.name(), s, 0, settings.seedRepetitions(), covered, dist.gated()));
            }
        }
        return rows;
    }

    /** Prompt-level rows: the three prompt statistics on fresh prompts of a Gaussian linear task. */
    public static List<Row> promptLevel(Settings settings, PromptIntervals intervals) {
        TaskConfig task = promptTask();
        int d = task.d();
        double eta = OptimalStepSize.closedForm(task);
        DMatrixRMaj gammaA = new DMatrixRMaj(d, d);
        for (int k = 0; k < d; k++) {
            gammaA.set(k, k, eta * (0.6 + 0.8 * k / (d - 1)));
        }
        DMatrixRMaj gammaB = CommonOps_DDRM.identity(d);
        CommonOps_DDRM.scale(eta, gammaB);
        DMatrixRMaj delta = new DMatrixRMaj(d, d);
        CommonOps_DDRM.subtract(gammaA, gammaB, delta);
        double spd = quadratic(task, delta);
        double truthSpd = spd;
        double truthRel = spd / quadratic(task, gammaA);
        double truthGap = PreconditionerTheory.expectedLoss(task, gammaA) / PreconditionerTheory.expectedLoss(task, gammaB)
                - 1;
        GradientDescentOracle a = GradientDescentOracle.preconditioned(gammaA);
        GradientDescentOracle b = GradientDescentOracle.oneStep(eta);
        int covMean = 0;
        int covRel = 0;
        int covGap = 0;
        int reps = settings.promptRepetitions();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            for (int r = 0; r < reps; r++) {
                PromptSet p;
                try (NDManager sub = manager.newSubManager()) {
                    p = TaskSamplers.forTask(task).samplePromptSet(sub, settings.prompts(),
                            Seeds.derive(settings.seed(), Seeds.TEST, r));
                }
                double[] ya = a.predict(p);
                double[] yb = b.predict(p);
                double[] y = p.targets();
                double[] sq = new double[ya.length];
                double[] a2 = new double[ya.length];
                double[] sea = new double[ya.length];
                double[] seb = new double[ya.length];
                for (int i = 0; i < ya.length; i++) {
                    sq[i] = (ya[i] - yb[i]) * (ya[i] - yb[i]);
                    a2[i] = ya[i] * ya[i];
                    sea[i] = (ya[i] - y[i]) * (ya[i] - y[i]);
                    seb[i] = (yb[i] - y[i]) * (yb[i] - y[i]);
                }
                covMean += intervals.mean().of("coverage-mean-" + r, sq).contains(truthSpd) ? 1 : 0;
                covRel += intervals.ratio().of("coverage-relative-spd-" + r, sq, a2).contains(truthRel) ? 1 : 0;
                covGap += intervals.ratio().of("coverage-relative-gap-" + r, sea, seb).contains(truthGap + 1) ? 1 : 0;
            }
        }
        String what = "x ~ N(0, I_" + d + "), N = " + task.n() + ", σ = " + task.noise() + ": PGD(Γ_A) vs GD(η*)";
        return List.of(row(PROMPT_MEAN, what, 1, settings.prompts(), reps, covMean, true),
                row(PROMPT_RELATIVE_SPD, what, 1, settings.prompts(), reps, covRel, true),
                row(PROMPT_RELATIVE_GAP, what, 1, settings.prompts(), reps, covGap, true));
    }

    /** The task of the prompt-level study. */
    static TaskConfig promptTask() {
        return new TaskConfig(10, 10, TaskConfig.GAUSSIAN, 1.0, 0.5);
    }

    /** {@code E[(x_qᵀ M h)²] = tr(Mᵀ Σ M G)} for the one-step map M (x_q independent of h). */
    static double quadratic(TaskConfig task, DMatrixRMaj m) {
        DMatrixRMaj sigma = task.inputCovariance();
        DMatrixRMaj g = PreconditionerTheory.contextMomentMatrix(task);
        DMatrixRMaj sm = new DMatrixRMaj(m.numRows, m.numCols);
        CommonOps_DDRM.mult(sigma, m, sm);
        DMatrixRMaj msm = new DMatrixRMaj(m.numRows, m.numCols);
        CommonOps_DDRM.multTransA(m, sm, msm);
        DMatrixRMaj out = new DMatrixRMaj(m.numRows, m.numCols);
        CommonOps_DDRM.mult(msm, g, out);
        return CommonOps_DDRM.trace(out);
    }

    private static Row row(String method, String dist, int seeds, int prompts, int reps, int covered, boolean gated) {
        double c = covered / (double) reps;
        return new Row(method, dist, seeds, prompts, reps, c, Math.sqrt(c * (1 - c) / reps), gated);
    }
}
