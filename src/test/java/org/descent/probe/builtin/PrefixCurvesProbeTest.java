package org.descent.probe.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.descent.model.gpt2.Gpt2Config;
import org.descent.model.gpt2.Gpt2Regressor;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.oracle.MultiStepGdConstruction;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Outcome;
import org.descent.probe.PrefixEvaluation;
import org.descent.probe.ProbeRegistry;
import org.descent.probe.ProbeResult;
import org.descent.probe.ProbeRun;
import org.descent.probe.ProbeRunner;
import org.descent.probe.ProbeSuite;
import org.descent.probe.model.Gpt2Models;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.descent.task.layout.Interleaved;
import org.junit.jupiter.api.Test;

/**
 * {@code prefix-curves} and the layout plumbing: the per-k curve of the OLS oracle sits on OLS for k ≥ d, one-step
 * GD's on GD; a GPT-2's prefix predictions equal its predictions on the truncated prompt whose query is x_{k+1}; the
 * per-position suite runs on an LSA and on an interleaved GPT-2.
 */
class PrefixCurvesProbeTest {
    /** float64 GPT-2: one causal pass and a truncated pass differ only by summation order. */
    static final double PREFIX_TOLERANCE = 1e-9;

    private static final TaskConfig TASK = new TaskConfig(4, 8, TaskConfig.GAUSSIAN, 1.0, 0.0);

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> perK(ProbeResult r) {
        return (List<Map<String, Object>>) r.metrics().get("per_k");
    }

    private static ProbeResult run(ModelUnderTest m, NDManager manager) {
        PrefixCurvesProbe probe = new PrefixCurvesProbe();
        return probe.run(ProbeTestModels.context(probe, m, 800, Map.of("prompts", 400, "newtonFitPrompts", 300),
                manager));
    }

    @Test
    void theOlsOracleSitsOnOlsFromKEqualsD() {
        LeastSquaresOracle ols = LeastSquaresOracle.ols();
        ModelUnderTest m = ModelUnderTest.builder(ols, TASK, ModelUnderTest.Origin.inMemory("OLS")).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            ProbeResult r = run(m, manager);
            for (Map<String, Object> e : perK(r)) {
                int k = (Integer) e.get("k");
                if (k >= TASK.d()) {
                    assertEquals("near OLS", e.get("regime"));
                    assertEquals(Outcome.CONSISTENT.label(), e.get("regime_outcome"), e.toString());
                    assertEquals("OLS", e.get("closest"), e.toString());
                }
            }
        }
    }

    @Test
    void oneStepGdSitsOnGdAtEveryK() {
        GradientDescentOracle gd = GradientDescentOracle.oneStep(0.4);
        ModelUnderTest m = ModelUnderTest.builder(gd, TASK, ModelUnderTest.Origin.inMemory("GD")).sensitivity(gd)
                .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            ProbeResult r = run(m, manager);
            assertEquals(0.4, (Double) r.metrics().get("eta_fit"), 1e-9);
            for (Map<String, Object> e : perK(r)) {
                assertTrue(((String) e.get("closest")).startsWith("GD(η_fit"), e.toString());
                if ((Integer) e.get("k") >= TASK.d()) {
                    assertEquals(Outcome.INCONSISTENT.label(), e.get("regime_outcome"), "GD is not OLS: " + e);
                }
            }
        }
    }

    /**
     * A model whose output is label-scale noise unrelated to the context ties the zero predictor and GD(η_fit ≈ 0):
     * the interval of the lead must include 0 and the row must say "tie". (Recomputing the winner in every resample
     * made the lead ≥ 0 by construction, so its interval excluded 0 and one of two tied references was named.)
     */
    @Test
    @SuppressWarnings("unchecked")
    void aModelTyingTwoReferencesIsReportedAsATie() {
        org.descent.regressor.InContextRegressor noise = new org.descent.regressor.InContextRegressor() {
            @Override
            public String name() {
                return "noise";
            }

            @Override
            public double[] predict(PromptSet prompts) {
                return LayerIterationsAdversaryTest.noise(prompts, 7);
            }
        };
        ModelUnderTest m = ModelUnderTest.builder(noise, TASK, ModelUnderTest.Origin.inMemory("noise")).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            ProbeResult r = run(m, manager);
            int ties = 0;
            for (Map<String, Object> e : perK(r)) {
                Map<String, Object> lead = (Map<String, Object>) e.get("lead_over_runner_up");
                System.out.println("noise k = " + e.get("k") + ": " + e.get("closest") + " / " + e.get("runner_up")
                        + " tie " + e.get("tie") + " lead " + lead);
                assertEquals(!((Double) lead.get("lower") > 0), e.get("tie"), e.toString());
                if (Boolean.TRUE.equals(e.get("tie"))) {
                    ties++;
                    assertTrue((Double) lead.get("lower") <= 0 && (Double) lead.get("upper") >= 0, e.toString());
                    assertTrue(java.util.Set.of(e.get("closest"), e.get("runner_up")).contains("zero"), e.toString());
                }
            }
            assertTrue(ties >= perK(r).size() - 1, "zero and GD(η_fit ≈ 0) tie at (nearly) every k: " + ties);
        }
    }

    @Test
    void gpt2PrefixPredictionsEqualPredictionsOnTheTruncatedPrompt() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt2Regressor g = new Gpt2Regressor("gpt2", Gpt2Weights.initialize(new Gpt2Config(2, 2, 16,
                    2 * TASK.n() + 1, TASK.d()), 4L), Interleaved.garg(), manager);
            ModelUnderTest m = Gpt2Models.inMemory(g, TASK, "random GPT-2");
            PromptSet base = TaskSamplers.forTask(TASK).samplePromptSet(manager, 5, 8L);
            int[] ks = PrefixEvaluation.lengths(TASK.n(), true);
            double[][] one = PrefixEvaluation.model(m, base, ks);
            double[][] labels = PrefixEvaluation.targets(base, m.layout(), ks);
            for (int k = 1; k <= TASK.n(); k++) {
                PromptSet truncated = PrefixEvaluation.kShot(base, m.layout(), k);
                double[] p = g.predict(truncated);
                for (int b = 0; b < base.size(); b++) {
                    assertEquals(p[b], one[k][b], PREFIX_TOLERANCE, "k = " + k + ", prompt " + b);
                    assertEquals(truncated.target(b), labels[k][b], 0.0);
                    assertEquals(k < TASK.n() ? base.y(b, k) : base.target(b), labels[k][b], 0.0);
                }
            }
        }
    }

    @Test
    void perPositionSuiteRunsOnAnLsaAndOnAnInterleavedGpt2() {
        ProbeSuite suite = ProbeSuite.read(Path.of("probes", "per-position.json")).withTestPrompts(600);
        try (NDManager manager = NDManager.newBaseManager(); ProbeRegistry registry = ProbeRegistry.builtIn()) {
            ModelUnderTest lsa = ProbeTestModels.lsa("GD construction", MultiStepGdConstruction.weights(4, 0.1, 0.1,
                    0.1), TASK, manager);
            ProbeRun a = ProbeRunner.run(lsa, suite, suite.plan(registry, "per-position"), manager, null);
            System.out.println("LSA: " + a.summary() + " " + a.result("layer-iterations").metrics().get(
                    "layer_verdict") + " " + a.result("layer-iterations").metrics().get("log10_distance_margin"));
            assertEquals(ProbeResult.Status.RAN, a.result("prefix-curves").status());
            assertEquals(ProbeResult.Status.RAN, a.result("layer-iterations").status());
            Gpt2Regressor g = new Gpt2Regressor("gpt2", Gpt2Weights.initialize(new Gpt2Config(2, 2, 16,
                    2 * TASK.n() + 1, TASK.d()), 4L), Interleaved.garg(), manager);
            ProbeRun b = ProbeRunner.run(Gpt2Models.inMemory(g, TASK, "random GPT-2"), suite,
                    suite.plan(registry, "per-position"), manager, null);
            System.out.println("GPT-2: " + b.summary());
            assertEquals(ProbeResult.Status.RAN, b.result("prefix-curves").status());
            assertEquals(0, ((List<?>) b.result("prefix-curves").metrics().get("lengths")).get(0));
            assertEquals("inconclusive", b.result("layer-iterations").metrics().get("layer_verdict"));
            assertTrue(b.control("random-init").isPresent(), "a GPT-2 has a random-init control");
            ModelUnderTest plain = ModelUnderTest.builder(LeastSquaresOracle.ols(), TASK,
                    ModelUnderTest.Origin.inMemory("no hidden states")).build();
            ProbeRun c = ProbeRunner.run(plain, suite, suite.plan(registry, "per-position"), manager, null);
            assertEquals(ProbeResult.Status.SKIPPED, c.result("layer-iterations").status());
            assertTrue(c.result("layer-iterations").note().contains("hidden states"));
        }
    }
}
