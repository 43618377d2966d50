package org.descent.experiment.reproduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.descent.compare.Bootstrap;
import org.descent.compare.SeedIntervals;
import org.descent.experiment.Gpt2Evaluation;
import org.descent.experiment.Workspace;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code yang-looped} preset: a shortened run produces every headline with an interval and a report, and reruns
 * bit for bit; each verdict rule is fed models built to pass and models built to fool it (a zero predictor against
 * OLS for matching; a slowly drifting, an oscillating and a worsening model for stability).
 */
class YangLoopedTest {
    /** Prompts of the rule tests. */
    static final int PROMPTS = 400;
    /** The size of the noise of a model built to pass: far inside every margin. */
    static final double SMALL = 0.01;

    private static ReproductionReport.Outcome shortRun(Path dir) throws Exception {
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        try (PresetRun run = new PresetRun(ws, List.of(0L), new PrintWriter(new StringWriter()),
                steps -> (s, l, lr) -> { })) {
            return ReproductionReport.run(new YangLooped(YangLooped.SHORT), run);
        }
    }

    @Test
    void shortenedPresetProducesEveryHeadlineAndRerunsBitIdentically(@TempDir Path dir) throws Exception {
        ReproductionReport.Outcome o = shortRun(dir.resolve("a"));
        List<String> keys = o.result().headlines().stream().map(Headline::key).toList();
        for (String k : List.of("looped_excess_over_unlooped_k_ge_d", "control.random_init_excess_over_unlooped_k_ge_d",
                "parameter_ratio", "relative_error_change_2b", "relative_error_change_3b", "fixed_point_drift_3b_vs_2b",
                "control.no_injection_relative_error_change_2b", "control.no_injection_fixed_point_drift_3b_vs_2b")) {
            assertTrue(keys.contains(k), "headline " + k + " in " + keys);
        }
        for (Headline h : o.result().headlines()) {
            assertTrue(Double.isFinite(h.interval().lower()) && Double.isFinite(h.interval().upper()), h.toString());
            assertTrue(h.interval().lower() <= h.interval().estimate() + 1e-12
                    && h.interval().estimate() <= h.interval().upper() + 1e-12, h.toString());
        }
        assertEquals(6, o.result().headlines().stream().filter(h -> h.verdict() != null).count(),
                "tested: (a) matching, both models learned, (b) change at 2b, at 3b, fixed point");
        Headline ratio = o.result().headlines().stream().filter(h -> h.key().equals("parameter_ratio")).findFirst()
                .orElseThrow();
        // SHORT: width 8, b = 3 blocks against 1; the ratio is below 1 and above the block ratio 1/3
        assertTrue(ratio.interval().estimate() < 1 && ratio.interval().estimate() > 1.0 / 3, ratio.toString());
        String md = Files.readString(o.report().resolve("report.md"));
        for (String s : List.of("## Claim", "Error per loop iteration", "injection dropped after b",
                "Which algorithm each iteration matches", "Error per k beside OLS", "Controls under the same rules",
                "Against the paper")) {
            assertTrue(md.contains(s), "report has \"" + s + "\"");
        }
        assertFalse(md.contains("NaN"), "no NaN in the report");
        ReproductionReport.Outcome again = shortRun(dir.resolve("b"));
        for (int i = 0; i < o.result().headlines().size(); i++) {
            assertArrayEquals(o.result().headlines().get(i).perSeed(), again.result().headlines().get(i).perSeed(),
                    0.0, o.result().headlines().get(i).key());
        }
    }

    // ---- the rules against models built to pass and to fool them --------------------------------------------------

    /** Held-out prompts and OLS's prefix predictions [B, N+1] (exact at k ≥ d: the task is noiseless). */
    private static PromptSet prompts(NDManager m) {
        return TaskSamplers.forTask(TaskConfig.gaussian(YangLooped.D, YangLooped.N, null, 0.0))
                .samplePromptSet(m, PROMPTS, 99);
    }

    private static double[] olsPrefix(PromptSet test) {
        int n = test.n();
        double[] out = new double[test.size() * (n + 1)];
        for (int k = 1; k <= n; k++) {
            double[] p = LeastSquaresOracle.ols().predict(Gpt2Evaluation.at(test, k));
            for (int i = 0; i < p.length; i++) {
                out[i * (n + 1) + k] = p[i];
            }
        }
        return out;
    }

    private static double[] plus(double[] a, double scale, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += scale * r.nextGaussian();
        }
        return out;
    }

    private static Bootstrap.Interval interval(SeedSample s) {
        return SeedSample.interval(List.of(s), 7);
    }

    @Test
    void matchingRulePassesATwinAndRejectsAZeroPredictor() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet test = prompts(m);
            double[] unlooped = plus(olsPrefix(test), SMALL, 1);
            double[] twin = plus(olsPrefix(test), SMALL, 2);
            double[] zero = new double[unlooped.length];
            SeedSample ok = YangLooped.excess(twin, unlooped, test);
            SeedSample fool = YangLooped.excess(zero, unlooped, test);
            assertEquals(Verdict.SUPPORTED, Verdict.within(interval(ok), -YangLooped.MATCH_MARGIN,
                    YangLooped.MATCH_MARGIN), "twin: " + ok.point());
            assertEquals(1.0, fool.point(), 0.01, "the zero predictor's excess over a near-exact model is E[y²]");
            assertEquals(Verdict.NOT_SUPPORTED, Verdict.within(interval(fool), -YangLooped.MATCH_MARGIN,
                    YangLooped.MATCH_MARGIN));
            // much better than the unlooped model is not "matching" either (two-sided)
            SeedSample better = YangLooped.excess(olsPrefix(test), zero, test);
            assertEquals(Verdict.NOT_SUPPORTED, Verdict.within(interval(better), -YangLooped.MATCH_MARGIN,
                    YangLooped.MATCH_MARGIN));
        }
    }

    /** Per-iteration predictions t = 1..3b of a model given by {@code at(t)}. */
    private static double[][] iterations(int b, java.util.function.IntFunction<double[]> at) {
        double[][] out = new double[3 * b][];
        for (int t = 1; t <= 3 * b; t++) {
            out[t - 1] = at.apply(t);
        }
        return out;
    }

    @Test
    void stabilityRulesPassAFixedPointAndRejectDriftOscillationAndGrowth() {
        int b = 6; // even: a period-2 oscillation is at the same point at 2b and 3b
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet test = prompts(m);
            double[] ols = olsPrefix(test);
            double[] e = plus(new double[ols.length], 1, 3); // a fixed error direction of size E[y²]/d-ish
            double[] base = plus(ols, SMALL, 4);
            // converges to base: ŷ_t = base + 0.5^t e
            double[][] fixed = iterations(b, t -> axpy(base, Math.pow(0.5, t), e));
            // slow drift past b: ŷ_t = base + 0.05 (t − b)⁺ e
            double[][] drifting = iterations(b, t -> axpy(base, 0.05 * Math.max(0, t - b), e));
            // period-2 oscillation of constant error: ŷ_t = base + (−1)^t 0.3 e
            double[][] oscillating = iterations(b, t -> axpy(base, (t % 2 == 0 ? 1 : -1) * 0.3, e));
            SeedSample[] f = YangLooped.stability(fixed, b, test);
            SeedSample[] d = YangLooped.stability(drifting, b, test);
            SeedSample[] o = YangLooped.stability(oscillating, b, test);
            assertEquals(Verdict.SUPPORTED, Verdict.atMost(interval(f[0]), YangLooped.MAX_RELATIVE_INCREASE));
            assertEquals(Verdict.SUPPORTED, Verdict.atMost(interval(f[1]), YangLooped.MAX_RELATIVE_INCREASE));
            assertEquals(Verdict.SUPPORTED, Verdict.atMost(interval(f[2]), YangLooped.MAX_DRIFT), "" + f[2].point());
            assertEquals(Verdict.NOT_SUPPORTED, Verdict.atMost(interval(d[0]), YangLooped.MAX_RELATIVE_INCREASE),
                    "drift: error change at 2b " + d[0].point());
            assertEquals(Verdict.NOT_SUPPORTED, Verdict.atMost(interval(d[1]), YangLooped.MAX_RELATIVE_INCREASE));
            assertEquals(Verdict.NOT_SUPPORTED, Verdict.atMost(interval(d[2]), YangLooped.MAX_DRIFT));
            // the oscillation keeps its error (the error rules cannot see it) but is no fixed point
            assertEquals(0.0, o[0].point(), 1e-12);
            assertEquals(Verdict.NOT_SUPPORTED, Verdict.atMost(interval(o[2]), YangLooped.MAX_DRIFT),
                    "oscillation: " + o[2].point());
        }
    }

    /**
     * Two models that learned nothing (both predict 0) "match" and are a "fixed point" by construction; the learned
     * rule must fail them. And a near-exact model whose error rises by a hair past b must not fail the error rule
     * (relative to an error near 0, any rise is huge).
     */
    @Test
    void modelsThatLearnedNothingFailAndANearExactModelIsNotHeldToAStricterRule() {
        int b = 6;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet test = prompts(m);
            double[] zero = new double[olsPrefix(test).length];
            SeedSample[] still = YangLooped.stability(iterations(b, t -> zero), b, test);
            assertEquals(Verdict.SUPPORTED, Verdict.atMost(interval(still[2]), YangLooped.MAX_DRIFT),
                    "a constant predictor is a fixed point");
            double zeroError = YangLooped.normalisedError(zero, test);
            assertEquals(1.0, zeroError, 1e-12);
            assertEquals(Verdict.NOT_SUPPORTED, Verdict.atMost(interval(SeedSample.fixed(zeroError)),
                    YangLooped.MAX_LEARNED_ERROR), "the learned rule fails the zero predictor");
            // near-exact: error ~1e-4 of E[y²] at b, a little more past b
            double[] ols = olsPrefix(test);
            double[] e = plus(new double[ols.length], 1, 5);
            double[][] nearExact = iterations(b, t -> axpy(ols, t <= b ? 0.01 : 0.015, e));
            SeedSample[] n = YangLooped.stability(nearExact, b, test);
            double atB = YangLooped.normalisedError(nearExact[b - 1], test);
            double at2b = YangLooped.normalisedError(nearExact[2 * b - 1], test);
            assertTrue(at2b > 2 * atB && at2b < 1e-3, "the error more than doubles but stays tiny: " + atB + " → "
                    + at2b);
            assertEquals(Verdict.SUPPORTED, Verdict.atMost(interval(n[0]), YangLooped.MAX_RELATIVE_INCREASE),
                    "near-exact model, change at 2b " + n[0].point());
            assertEquals(Verdict.SUPPORTED, Verdict.atMost(interval(n[1]), YangLooped.MAX_RELATIVE_INCREASE));
        }
    }

    private static double[] axpy(double[] y, double a, double[] x) {
        double[] out = y.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += a * x[i];
        }
        return out;
    }

    /** The per-k context table divides every column by the same E[y²] at k: OLS's own predictions read as OLS. */
    @Test
    void perKTableNormalisesEveryColumnAlike() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet test = prompts(m);
            PromptSet fit = TaskSamplers.forTask(TaskConfig.gaussian(YangLooped.D, YangLooped.N, null, 0.0))
                    .samplePromptSet(m, 100, 98);
            double[] ols = olsPrefix(test);
            List<List<String>> rows = YangLooped.byK(test, fit, ols, ols);
            assertEquals(YangLooped.N, rows.size());
            for (List<String> row : rows) {
                double asModel = Double.parseDouble(row.get(1));
                double asOls = Double.parseDouble(row.get(3));
                assertEquals(asOls, asModel, 1e-3 * Math.max(1e-12, asOls), "k = " + row.get(0));
            }
            // below d the min-norm OLS error is far from 0 (about 1 − k/d of E[y²])
            assertEquals(1 - 1.0 / YangLooped.D, Double.parseDouble(rows.get(0).get(3)), 0.15);
        }
    }

    /** A looped model better than the unlooped one beyond the margin fails "matching" but is read as non-inferior. */
    @Test
    void againstThePaperReadsABetterLoopedModelAsNonInferiorNotAsWorse() {
        SeedIntervals.Scope one = SeedIntervals.Scope.onePromptInterval();
        java.util.function.BiFunction<String, Bootstrap.Interval, Headline> info = (k, ci) ->
                Headline.info(k, k, new double[] {ci.estimate()}, ci, one);
        Bootstrap.Interval better = new Bootstrap.Interval(-0.068, -0.076, -0.059, 0.95, 1);
        Bootstrap.Interval flat = new Bootstrap.Interval(0.001, 0.0, 0.002, 0.95, 1);
        List<Headline> heads = List.of(
                Headline.within("looped_excess_over_unlooped_k_ge_d", "a", new double[] {-0.068}, better, one,
                        YangLooped.MATCH_MARGIN),
                info.apply("looped_error_k_ge_d", new Bootstrap.Interval(0.16, 0.15, 0.17, 0.95, 1)),
                info.apply("unlooped_error_k_ge_d", new Bootstrap.Interval(0.23, 0.22, 0.24, 0.95, 1)),
                Headline.atMost("relative_error_change_2b", "c2", new double[] {0.001}, flat, one,
                        YangLooped.MAX_RELATIVE_INCREASE),
                Headline.atMost("relative_error_change_3b", "c3", new double[] {0.001}, flat, one,
                        YangLooped.MAX_RELATIVE_INCREASE),
                Headline.atMost("fixed_point_drift_3b_vs_2b", "d", new double[] {0.001}, flat, one,
                        YangLooped.MAX_DRIFT));
        assertEquals(Verdict.NOT_SUPPORTED, heads.get(0).verdict());
        String text = YangLooped.againstThePaper(heads);
        assertTrue(text.contains("better than the unlooped one") && text.contains("one-sided: supported"), text);
        assertTrue(text.contains("Stability past b") && text.contains("agrees here"), text);
    }
}
