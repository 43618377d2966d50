package org.descent.probe.builtin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.model.gpt2.Gpt2Config;
import org.descent.model.gpt2.Gpt2Parameters;
import org.descent.model.gpt2.Gpt2Regressor;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Outcome;
import org.descent.probe.ProbeResult;
import org.descent.probe.model.Gpt2Models;
import org.descent.probe.model.ModelLoader;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.junit.jupiter.api.Test;

/**
 * {@code dual-form} on models built to fool it: a random-init GPT-2 must not come out consistent on any metric (its
 * control is another random init); a GPT-2 whose attention ignores the demonstrations (values and positions zeroed)
 * has ICL == ZSL exactly, so SimAOU is undefined rather than high and Rec2FTP cannot pass; a one-token query leaves
 * SimAM undefined; a model that is not a GPT-2 is refused.
 */
class DualFormProbeTest {
    private static final Path FIXTURE = Path.of("models", "fixtures", "garg-tiny", "model.safetensors");
    private static final Map<String, Object> SMALL = Map.of("prompts", 16, "fitPrompts", 4,
            "learningRates", List.of(0.01, 0.1));

    private static ProbeResult run(ModelUnderTest m, Map<String, Object> params, NDManager manager) {
        DualFormProbe probe = new DualFormProbe();
        assertTrue(probe.unsupportedReason(m).isEmpty());
        return probe.run(ProbeTestModels.context(probe, m, 64, params, manager));
    }

    private static Gpt2Weights fixtureWeights(NDManager manager) {
        ModelUnderTest m = ModelLoader.load(FIXTURE, null, manager);
        return ((Gpt2Regressor) m.hiddenStates().orElseThrow()).weights();
    }

    private static TaskConfig task() {
        return ModelLoader.readTask(Path.of("models", "fixtures", "garg-tiny", "model.safetensors.task.json"));
    }

    @Test
    void aRandomInitGpt2IsConsistentWithNoMetric() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt2Config config = fixtureWeights(manager).config();
            Gpt2Regressor r = new Gpt2Regressor("random GPT-2", Gpt2Weights.initialize(config, 99L),
                    org.descent.task.layout.Interleaved.garg(), manager);
            ProbeResult res = run(Gpt2Models.inMemory(r, task(), "random weights, not the control"),
                    withQueryPairs(2), manager);
            assertEquals(ProbeResult.Status.RAN, res.status());
            assertTrue(res.metrics().containsKey("random_init_control"));
            @SuppressWarnings("unchecked")
            Map<String, Object> kv = (Map<String, Object>) res.metrics().get("ft_kv");
            assertTrue((Integer) kv.get("simaou_defined_prompts") > 0, "SimAOU is measured, not vacuous: " + kv);
            for (Map.Entry<String, Outcome> v : res.verdictMap().entrySet()) {
                assertNotEquals(Outcome.CONSISTENT, v.getValue(), v.getKey() + ": " + res.note());
            }
        }
    }

    @Test
    void attentionThatIgnoresTheDemonstrationsLeavesSimAouUndefined() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt2Weights w = fixtureWeights(manager);
            Gpt2Config c = w.config();
            int e = c.width();
            Map<String, float[]> v = new LinkedHashMap<>(w.values());
            v.put(Gpt2Parameters.POSITIONS, new float[v.get(Gpt2Parameters.POSITIONS).length]);
            for (int l = 0; l < c.layers(); l++) {
                float[] wa = v.get(Gpt2Parameters.block(l, "attn.c_attn.weight")).clone(); // [E, 3E]
                float[] ba = v.get(Gpt2Parameters.block(l, "attn.c_attn.bias")).clone(); // [3E]
                for (int row = 0; row < e; row++) {
                    for (int col = 2 * e; col < 3 * e; col++) {
                        wa[row * 3 * e + col] = 0;
                    }
                }
                for (int col = 2 * e; col < 3 * e; col++) {
                    ba[col] = 0;
                }
                v.put(Gpt2Parameters.block(l, "attn.c_attn.weight"), wa);
                v.put(Gpt2Parameters.block(l, "attn.c_attn.bias"), ba);
            }
            Gpt2Regressor deaf = new Gpt2Regressor("deaf GPT-2", new Gpt2Weights(c, v),
                    org.descent.task.layout.Interleaved.garg(), manager);
            PromptSet p = TaskSamplers.forTask(task()).samplePromptSet(manager, 4, 3L);
            double[] icl = deaf.predict(p);
            // the same queries after another prompt's context: the predictions must not move at all
            int per = (p.n() + 1) * (p.d() + 1);
            double[] swapped = p.flatTokens().clone();
            for (int b = 0; b < 4; b++) {
                System.arraycopy(p.flatTokens(), ((b + 1) % 4) * per, swapped, b * per, p.n() * (p.d() + 1));
            }
            assertArrayEquals(icl, deaf.predict(new PromptSet(p.d(), p.n(), swapped, p.targets())), 0.0,
                    "the context does not reach the query");
            ProbeResult res = run(Gpt2Models.inMemory(deaf, task(), "attention ignores the context"), SMALL, manager);
            @SuppressWarnings("unchecked")
            Map<String, Object> kv = (Map<String, Object>) res.metrics().get("ft_kv");
            assertEquals(0, kv.get("simaou_defined_prompts"));
            @SuppressWarnings("unchecked")
            Map<String, Object> simaou = (Map<String, Object>) kv.get("simaou");
            assertTrue(Double.isNaN((Double) simaou.get("estimate")), simaou.toString());
            assertEquals(Outcome.INCONCLUSIVE, res.verdictMap().get(DualFormProbe.SIMAOU));
            assertNotEquals(Outcome.CONSISTENT, res.verdictMap().get(DualFormProbe.REC2FTP));
            assertEquals(0, res.metrics().get("rec2ftp_icl_covers"), "ICL never changes a ZSL prediction");
            assertNotEquals(Outcome.CONSISTENT, res.verdictMap().get(DualFormProbe.COMBINED));
        }
    }

    @Test
    void aOneTokenQueryLeavesSimAmUndefined() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelUnderTest m = ModelLoader.load(FIXTURE, null, manager);
            ProbeResult res = run(m, SMALL, manager);
            assertEquals(Outcome.INCONCLUSIVE, res.verdictMap().get(DualFormProbe.SIMAM));
            @SuppressWarnings("unchecked")
            Map<String, Object> kv = (Map<String, Object>) res.metrics().get("ft_kv");
            assertTrue(List.of(0.01, 0.1).contains((Double) kv.get("learning_rate")));
            assertEquals(4, res.verdicts().size());
        }
    }

    @Test
    void aModelWithoutGpt2WeightsIsRefused() {
        ModelUnderTest ols = ModelUnderTest.builder(org.descent.oracle.LeastSquaresOracle.ols(), task(),
                ModelUnderTest.Origin.inMemory("OLS")).build();
        assertTrue(new DualFormProbe().unsupportedReason(ols).orElseThrow().contains("GPT-2"));
    }

    private static Map<String, Object> withQueryPairs(int q) {
        Map<String, Object> m = new LinkedHashMap<>(SMALL);
        m.put("queryPairs", q);
        return m;
    }
}
