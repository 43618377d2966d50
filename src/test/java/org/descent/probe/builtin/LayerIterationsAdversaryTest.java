package org.descent.probe.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.probe.AlgorithmIterates;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Outcome;
import org.descent.probe.ProbeResult;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.junit.jupiter.api.Test;

/**
 * {@code layer-iterations} against adversaries: models built so that a careless rule would give a confident wrong
 * verdict. Each test asserts the correct behaviour; a failure means the probe was fooled.
 *
 * <p>The models write, at the query token of the k-shot prompt, C scalar features per layer beside the raw token
 * [x, y] (concatenated layout); the model's output is the first feature of the last layer.
 */
class LayerIterationsAdversaryTest {

    /**
     * The head-to-head margin confirms a family only when it is clearly closer, and refutes it only when the competitor
     * is clearly closer: a family that is slightly but not clearly better (or worse) is left inconclusive, not refuted.
     */
    @Test
    void headToHeadMarginRefutesOnlyWhenTheCompetitorIsClearlyCloser() {
        double m = 0.3;
        assertEquals(Outcome.CONSISTENT, LayerIterationsProbe.comparative("c", interval(0.5, 0.35, 0.7), m).outcome());
        assertEquals(Outcome.INCONCLUSIVE,
                LayerIterationsProbe.comparative("c", interval(0.1, 0.05, 0.15), m).outcome());
        assertEquals(Outcome.INCONCLUSIVE,
                LayerIterationsProbe.comparative("c", interval(-0.1, -0.2, -0.05), m).outcome());
        assertEquals(Outcome.INCONCLUSIVE,
                LayerIterationsProbe.comparative("c", interval(-0.3, -0.5, -0.2), m).outcome());
        assertEquals(Outcome.INCONSISTENT,
                LayerIterationsProbe.comparative("c", interval(-0.6, -0.8, -0.4), m).outcome());
    }

    private static org.descent.compare.Bootstrap.Interval interval(double estimate, double lower, double upper) {
        return new org.descent.compare.Bootstrap.Interval(estimate, lower, upper, 0.95, 300);
    }
    private static final TaskConfig TASK = new TaskConfig(4, 8, TaskConfig.GAUSSIAN, 1.0, 0.0);
    private static final int LAYERS = 3;

    /** Label-scale noise that depends only on the prompt's tokens (deterministic, independent of the label). */
    static double[] noise(PromptSet prompts, long salt) {
        double[] out = new double[prompts.size()];
        for (int b = 0; b < prompts.size(); b++) {
            long h = salt * 0x9E3779B97F4A7C15L + prompts.n();
            for (int c = 0; c < prompts.d(); c++) {
                h = h * 31 + Double.hashCode(prompts.xq(b, c));
            }
            h = h * 31 + Double.hashCode(prompts.y(b, 0));
            out[b] = 2 * new Random(h).nextGaussian();
        }
        return out;
    }

    static double[] ols(PromptSet p) {
        return LeastSquaresOracle.ols().predict(p);
    }

    static double[] newton(PromptSet p, int t) {
        return AlgorithmIterates.newton(p, new int[] {t})[0];
    }

    static double[] gd(PromptSet p, int t, double eta) {
        return AlgorithmIterates.gd(p, new int[] {t}, eta)[0];
    }

    static double[] scaled(double[] v, double s) {
        return Arrays.stream(v).map(x -> s * x).toArray();
    }

    static ProbeResult run(ModelUnderTest m, Map<String, Object> extra) {
        try (NDManager manager = NDManager.newBaseManager()) {
            LayerIterationsProbe probe = new LayerIterationsProbe();
            Map<String, Object> params = new HashMap<>(Map.of("prompts", 300, "gdMaxSteps", 64,
                    "newtonMaxIterations", 6));
            params.putAll(extra);
            ProbeResult r = probe.run(ProbeTestModels.context(probe, m, 600, params, manager));
            System.out.println("ADV " + m.name() + ": " + r.metrics().get("layer_verdict") + " step "
                    + r.metrics().get("gd_step_size") + " margin " + r.metrics().get("log10_distance_margin")
                    + " decodability gd " + r.metrics().get("decodability_margin_gd") + " newton "
                    + r.metrics().get("decodability_margin_newton") + " " + r.verdicts());
            return r;
        }
    }

    static void assertNeither(ProbeResult r) {
        assertEquals("inconclusive", r.metrics().get("layer_verdict"), r.verdicts().toString());
        assertNotEquals(Outcome.CONSISTENT, r.verdictMap().get(LayerIterationsProbe.LAYERWISE_GD));
        assertNotEquals(Outcome.CONSISTENT, r.verdictMap().get(LayerIterationsProbe.LAYERWISE_NEWTON));
    }

    @Test
    void noiseLayersThenOlsIsNeither() {
        ProbeResult r = run(ProbeTestModels.layered("noise, noise, OLS", TASK, LAYERS, 1, p -> new double[][][] {
            {noise(p, 1)}, {noise(p, 2)}, {ols(p)}}), Map.of());
        assertNeither(r);
    }

    @Test
    void everyLayerOlsIsNeither() {
        ProbeResult r = run(ProbeTestModels.layered("OLS ×3", TASK, LAYERS, 1, p -> new double[][][] {{ols(p)}, {ols(p)}, {ols(p)}}),
                Map.of());
        assertNeither(r);
    }

    @Test
    void everyLayerOlsWithFloatRoundingIsNeither() {
        Function<PromptSet, double[]> f = p -> Arrays.stream(ols(p)).map(v -> (float) v).toArray();
        ProbeResult r = run(ProbeTestModels.layered("OLS ×3 (float32)", TASK, LAYERS, 1, p -> new double[][][] {{f.apply(p)},
            {f.apply(p)}, {f.apply(p)}}), Map.of());
        assertNeither(r);
    }

    @Test
    void oneOlsLayerIsNeither() {
        ProbeResult r = run(ProbeTestModels.layered("OLS ×1", TASK, 1, 1, p -> new double[][][] {{ols(p)}}), Map.of());
        assertNeither(r);
    }

    @Test
    void reversedNewtonLayersAreNotNewtonSteps() {
        ProbeResult r = run(ProbeTestModels.layered("Newton 3, 2, 1", TASK, LAYERS, 1, p -> new double[][][] {{newton(p, 3)},
            {newton(p, 2)}, {newton(p, 1)}}), Map.of());
        assertNeither(r);
    }

    @Test
    void reversedGdLayersAreNotGdSteps() {
        ProbeResult r = run(ProbeTestModels.layered("GD 16, 4, 1", TASK, LAYERS, 1, p -> new double[][][] {{gd(p, 16, 0)},
            {gd(p, 4, 0)}, {gd(p, 1, 0)}}), Map.of());
        assertNeither(r);
    }

    @Test
    void noiseThenNewtonIterateIsNotNewtonSteps() {
        ProbeResult r = run(ProbeTestModels.layered("noise, noise, Newton 3", TASK, LAYERS, 1, p -> new double[][][] {
            {noise(p, 1)}, {noise(p, 2)}, {newton(p, 3)}}), Map.of());
        assertNeither(r);
    }

    /**
     * Was a confident wrong verdict (label-fitted read-outs pick the label-best mix: layerwise-gd consistent, Δ = 0.67
     * [0.61, 0.75]); the competing-family check (read-outs fitted to each iterate) now stops it.
     */
    @Test
    void layersHoldingBothFamiliesGetNoConfidentVerdict() {
        ProbeResult r = run(ProbeTestModels.layered("GD and Newton", TASK, LAYERS, 2, p -> new double[][][] {
            {gd(p, 2, 0), newton(p, 1)}, {gd(p, 8, 0), newton(p, 2)}, {gd(p, 32, 0), newton(p, 3)}}), Map.of());
        assertNeither(r);
    }

    @Test
    void gdWithAnotherFixedStepIsNotNewton() {
        ProbeResult r = run(ProbeTestModels.layered("GD η = 0.1", TASK, LAYERS, 1, p -> new double[][][] {{gd(p, 1, 0.1)},
            {gd(p, 2, 0.1)}, {gd(p, 3, 0.1)}}), Map.of());
        assertNotEquals(Outcome.CONSISTENT, r.verdictMap().get(LayerIterationsProbe.LAYERWISE_NEWTON));
    }

    /**
     * Was a false refutation under the assumed per-prompt step 1/λ_max (worst-layer GD RD 0.26 [0.22, 0.31] > 0.05);
     * the step is now fitted on the fit split, and the model is gd-steps without being told the step.
     */
    @Test
    void gdWithAnotherFixedStepIsNotRefutedAsGd() {
        ProbeResult r = run(ProbeTestModels.layered("GD η = 0.1", TASK, LAYERS, 1, p -> new double[][][] {{gd(p, 1, 0.1)},
            {gd(p, 2, 0.1)}, {gd(p, 3, 0.1)}}), Map.of());
        assertNotEquals(Outcome.INCONSISTENT, r.verdictMap().get(LayerIterationsProbe.LAYERWISE_GD));
        assertEquals("gd-steps", r.metrics().get("layer_verdict"), r.verdicts().toString());
        assertEquals(0.1, (Double) r.metrics().get("gd_step_size"), 0.01, "the fitted step is the model's");
    }

    @Test
    void gdWithAnotherFixedStepAndTheRightStepSizeIsGdSteps() {
        ProbeResult r = run(ProbeTestModels.layered("GD η = 0.1", TASK, LAYERS, 1, p -> new double[][][] {{gd(p, 1, 0.1)},
            {gd(p, 2, 0.1)}, {gd(p, 3, 0.1)}}), Map.of("gdStepSize", 0.1));
        assertEquals("gd-steps", r.metrics().get("layer_verdict"), r.verdicts().toString());
    }

    @Test
    void negatedAndScaledNewtonIteratesAreStillNewtonSteps() {
        // A linear read-out cannot see the sign or scale of a feature: −3·ŷ_t in the residual stream is ŷ_t.
        ProbeResult r = run(ProbeTestModels.layered("−3 × Newton", TASK, LAYERS, 1, p -> new double[][][] {
            {scaled(newton(p, 1), -3)}, {scaled(newton(p, 2), -3)}, {scaled(newton(p, 3), -3)}}), Map.of());
        assertEquals("newton-steps", r.metrics().get("layer_verdict"), r.verdicts().toString());
    }

    @Test
    void noiseLayersThenAGdIterateAreNotGdSteps() {
        ProbeResult r = run(ProbeTestModels.layered("noise, noise, GD 32", TASK, LAYERS, 1, p -> new double[][][] {
            {noise(p, 1)}, {noise(p, 2)}, {gd(p, 32, 0)}}), Map.of());
        assertNeither(r);
    }

    @Test
    void aGdIterateBetweenNoiseLayersIsNotGdSteps() {
        ProbeResult r = run(ProbeTestModels.layered("GD 2, noise, GD 32", TASK, LAYERS, 1, p -> new double[][][] {
            {gd(p, 2, 0)}, {noise(p, 2)}, {gd(p, 32, 0)}}), Map.of());
        assertNeither(r);
    }

    @Test
    void theControlGateDowngradesUnlessTheControlIsRefuted() {
        org.descent.probe.Evidence pass = org.descent.probe.Evidence.exact("margin", 1, org.descent.probe.Evidence
                .Comparison.AT_LEAST, 0.3).sufficient();
        org.descent.probe.Evidence fail = org.descent.probe.Evidence.exact("margin", 0, org.descent.probe.Evidence
                .Comparison.AT_LEAST, 0.3).sufficient();
        org.descent.probe.Verdict model = org.descent.probe.Verdict.of("layerwise-gd", java.util.List.of(pass));
        org.descent.probe.Verdict controlPasses = org.descent.probe.Verdict.of("layerwise-gd", java.util.List.of(pass));
        org.descent.probe.Verdict controlFails = org.descent.probe.Verdict.of("layerwise-gd", java.util.List.of(fail));
        assertEquals(Outcome.INCONCLUSIVE, LayerIterationsProbe.gate(model, controlPasses).outcome());
        assertEquals(Outcome.CONSISTENT, LayerIterationsProbe.gate(model, controlFails).outcome());
    }

    @Test
    void fitAndJudgePromptsAreDisjoint() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LayerIterationsProbe probe = new LayerIterationsProbe();
            ModelUnderTest m = ProbeTestModels.layered("OLS ×1", TASK, 1, 1, p -> new double[][][] {{ols(p)}});
            org.descent.probe.ProbeContext ctx = ProbeTestModels.context(probe, m, 600, Map.of(), manager);
            PromptSet fit = ctx.fits().fitSet();
            PromptSet judge = ctx.fits().judgeSet();
            java.util.Set<Double> fitQueries = new java.util.HashSet<>();
            for (int b = 0; b < fit.size(); b++) {
                fitQueries.add(fit.xq(b, 0));
            }
            for (int b = 0; b < judge.size(); b++) {
                org.junit.jupiter.api.Assertions.assertFalse(fitQueries.contains(judge.xq(b, 0)),
                        "judge prompt " + b + " is also a fit prompt");
            }
            assertEquals(600, fit.size() + judge.size());
        }
    }
}
