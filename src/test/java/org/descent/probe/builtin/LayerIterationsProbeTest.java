package org.descent.probe.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import org.descent.model.gpt2.Gpt2Config;
import org.descent.model.gpt2.Gpt2Regressor;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.IterativeNewtonOracle;
import org.descent.oracle.MultiStepGdConstruction;
import org.descent.probe.AlgorithmIterates;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Outcome;
import org.descent.probe.ProbeResult;
import org.descent.probe.model.Gpt2Models;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.descent.task.layout.Interleaved;
import org.junit.jupiter.api.Test;

/**
 * {@code layer-iterations}: each verdict rule against the model built to fool it. A GD construction (layer l = GD
 * step l) must say GD, a model whose layer l linearly encodes Newton iterate l must say Newton, a random-init GPT-2
 * must say neither; the iterates agree with the EJML oracles.
 */
class LayerIterationsProbeTest {
    /** Iterates against the oracles: same arithmetic up to summation order. */
    static final double ITERATE_TOLERANCE = 1e-10;

    private static final TaskConfig TASK = new TaskConfig(4, 8, TaskConfig.GAUSSIAN, 1.0, 0.0);

    @Test
    void iteratesEqualTheEjmlOracles() {
        try (NDManager manager = NDManager.newBaseManager()) {
            PromptSet p = TaskSamplers.forTask(TASK).samplePromptSet(manager, 6, 3L);
            double[][] gd = AlgorithmIterates.gd(p, new int[] {1, 3, 8}, 0.3);
            assertArrayClose(GradientDescentOracle.steps(0.3).predict(p), gd[0]);
            assertArrayClose(GradientDescentOracle.steps(0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3).predict(p), gd[2]);
            double[][] nw = AlgorithmIterates.newton(p, new int[] {1, 4});
            for (int b = 0; b < p.size(); b++) {
                PromptSet one = p.slice(b, b + 1);
                double alpha = AlgorithmIterates.newtonAlpha(p, b);
                assertEquals(IterativeNewtonOracle.of(1, alpha).predict(one)[0], nw[0][b], ITERATE_TOLERANCE);
                assertEquals(IterativeNewtonOracle.of(4, alpha).predict(one)[0], nw[1][b], ITERATE_TOLERANCE);
            }
        }
    }

    @Test
    void gdConstructionLayersAreGdSteps() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelUnderTest m = ProbeTestModels.lsa("GD construction", MultiStepGdConstruction.weights(4, 0.1, 0.1,
                    0.1), TASK, manager);
            ProbeResult r = run(m, manager, Map.of("gdStepSize", 0.1));
            System.out.println("GD construction: " + r.metrics());
            assertEquals("gd-steps", r.metrics().get("layer_verdict"), r.verdicts().toString());
            assertEquals(Outcome.CONSISTENT, r.verdictMap().get(LayerIterationsProbe.LAYERWISE_GD));
            assertEquals(Outcome.INCONSISTENT, r.verdictMap().get(LayerIterationsProbe.LAYERWISE_NEWTON));
        }
    }

    @Test
    void gdConstructionLayersAreGdStepsWithTheFittedStep() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelUnderTest m = ProbeTestModels.lsa("GD construction", MultiStepGdConstruction.weights(4, 0.1, 0.1,
                    0.1), TASK, manager);
            ProbeResult r = run(m, manager, Map.of());
            System.out.println("GD construction, fitted step: " + r.metrics().get("gd_step_size") + " margin "
                    + r.metrics().get("log10_distance_margin") + " decodability "
                    + r.metrics().get("decodability_margin_gd") + " " + r.verdicts());
            assertEquals("gd-steps", r.metrics().get("layer_verdict"), r.verdicts().toString());
            assertEquals(0.1, (Double) r.metrics().get("gd_step_size"), 0.01, "the construction's step is found");
            assertEquals(Outcome.INCONSISTENT, r.verdictMap().get(LayerIterationsProbe.LAYERWISE_NEWTON));
        }
    }

    @Test
    void newtonLayersAreNewtonSteps() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ProbeResult r = run(ProbeTestModels.newtonLayers(TASK, 3), manager, Map.of());
            System.out.println("Newton layers: step " + r.metrics().get("gd_step_size") + " margin "
                    + r.metrics().get("log10_distance_margin") + " decodability "
                    + r.metrics().get("decodability_margin_newton") + " step fit " + r.metrics().get("gd_step_fit")
                    + " " + r.verdicts());
            assertEquals("newton-steps", r.metrics().get("layer_verdict"), r.verdicts().toString());
            assertEquals(Outcome.INCONSISTENT, r.verdictMap().get(LayerIterationsProbe.LAYERWISE_GD));
        }
    }

    /**
     * GD's fitted step gives it no unfair advantage: forced to the best fixed step found on the Newton model's own
     * fit split, GD still loses by more than the margin and the verdict stays newton-steps.
     */
    @Test
    @SuppressWarnings("unchecked")
    void newtonLayersStayNewtonStepsUnderGdsBestFixedStep() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelUnderTest m = ProbeTestModels.newtonLayers(TASK, 3);
            ProbeResult fitted = run(m, manager, Map.of());
            double eta = (Double) ((Map<String, Object>) fitted.metrics().get("gd_step_fit")).get("best_fixed_step");
            ProbeResult r = run(m, manager, Map.of("gdStepSize", eta));
            Map<String, Object> margin = (Map<String, Object>) r.metrics().get("log10_distance_margin");
            System.out.println("Newton layers, GD at its best fixed step " + eta + ": margin " + margin
                    + " decodability " + r.metrics().get("decodability_margin_newton"));
            assertEquals("newton-steps", r.metrics().get("layer_verdict"), r.verdicts().toString());
            assertTrue((Double) margin.get("upper") < -0.3, "GD's best fixed step does not close the gap: " + margin);
        }
    }

    @Test
    void aRandomGpt2IsNeither() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt2Config c = new Gpt2Config(3, 2, 16, 2 * TASK.n() + 1, TASK.d());
            Gpt2Regressor g = new Gpt2Regressor("random GPT-2", Gpt2Weights.initialize(c, 9L), Interleaved.garg(),
                    manager);
            ModelUnderTest m = Gpt2Models.inMemory(g, TASK, "random GPT-2");
            ProbeResult r = run(m, manager, Map.of());
            System.out.println("random GPT-2: " + r.metrics());
            assertEquals("inconclusive", r.metrics().get("layer_verdict"), r.verdicts().toString());
            assertNotEquals(Outcome.CONSISTENT, r.verdictMap().get(LayerIterationsProbe.LAYERWISE_GD));
            assertNotEquals(Outcome.CONSISTENT, r.verdictMap().get(LayerIterationsProbe.LAYERWISE_NEWTON));
            assertTrue(r.metrics().containsKey("random_init_control"), "the control stands beside the numbers");
        }
    }

    private static ProbeResult run(ModelUnderTest m, NDManager manager, Map<String, Object> extra) {
        LayerIterationsProbe probe = new LayerIterationsProbe();
        Map<String, Object> params = new java.util.HashMap<>(Map.of("prompts", 300, "gdMaxSteps", 64,
                "newtonMaxIterations", 6));
        params.putAll(extra);
        return probe.run(ProbeTestModels.context(probe, m, 600, params, manager));
    }

    private static void assertArrayClose(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], ITERATE_TOLERANCE * Math.max(1, Math.abs(a[i])), "entry " + i);
        }
    }

    @SuppressWarnings("unused")
    private static final List<String> UNUSED = List.of();
}
