package org.descent.probe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.TestSupport;
import org.descent.foreign.TorchScriptModel;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.probe.ModelUnderTest;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskSamplers;
import org.junit.jupiter.api.Test;

/** LSA weights from a module's parameters: per-layer {@code [D, D]} and stacked {@code [L, D, D]}, naming variants. */
class LsaParameterMappingTest {
    private static final int DIM = 3; // D

    /** Matrix {@code kind} of layer {@code l}: entries that say which it is. */
    private static double[] matrix(int kind, int layer) {
        double[] m = new double[DIM * DIM];
        for (int i = 0; i < m.length; i++) {
            m[i] = 100 * layer + 10 * kind + i;
        }
        return m;
    }

    private static TorchScriptModel.NamedTensor perLayer(String name, int kind, int layer) {
        return new TorchScriptModel.NamedTensor(name, new long[] {DIM, DIM}, matrix(kind, layer));
    }

    private static TorchScriptModel.NamedTensor stacked(String name, int kind, int layers) {
        double[] v = new double[layers * DIM * DIM];
        for (int l = 0; l < layers; l++) {
            System.arraycopy(matrix(kind, l), 0, v, l * DIM * DIM, DIM * DIM);
        }
        return new TorchScriptModel.NamedTensor(name, new long[] {layers, DIM, DIM}, v);
    }

    private static Map<String, TorchScriptModel.NamedTensor> of(TorchScriptModel.NamedTensor... ts) {
        Map<String, TorchScriptModel.NamedTensor> m = new LinkedHashMap<>();
        for (TorchScriptModel.NamedTensor t : ts) {
            m.put(t.name(), t);
        }
        return m;
    }

    private static void assertLayers(LsaWeights w, int layers) {
        assertEquals(layers, w.depth());
        for (int l = 0; l < layers; l++) {
            assertArrayEquals(matrix(0, l), w.layer(l).wq());
            assertArrayEquals(matrix(1, l), w.layer(l).wk());
            assertArrayEquals(matrix(2, l), w.layer(l).wv());
            assertArrayEquals(matrix(3, l), w.layer(l).p());
        }
    }

    @Test
    void stackedParametersInEveryCommonNaming() {
        for (List<String> names : List.of(List.of("W_Q", "W_K", "W_V", "P"), List.of("w_q", "w_k", "w_v", "w_p"),
                List.of("Q", "K", "V", "P"), List.of("query", "key", "value", "proj"),
                List.of("lsa.Wq_weights", "lsa.Wk_weights", "lsa.Wv_weights", "lsa.Wp_weights"),
                List.of("Qs", "Ks", "Vs", "Ps"))) {
            LsaWeights w = LsaParameterMapping.read(of(stacked(names.get(0), 0, 3), stacked(names.get(1), 1, 3),
                    stacked(names.get(2), 2, 3), stacked(names.get(3), 3, 3)), DIM).orElseThrow(() ->
                    new AssertionError("not read: " + names));
            assertLayers(w, 3);
        }
    }

    @Test
    void perLayerParametersOfSeveralLayers() {
        LsaWeights w = LsaParameterMapping.read(of(perLayer("layers.0.W_Q", 0, 0), perLayer("layers.0.W_K", 1, 0),
                perLayer("layers.0.W_V", 2, 0), perLayer("layers.0.P", 3, 0), perLayer("layers.1.W_Q", 0, 1),
                perLayer("layers.1.W_K", 1, 1), perLayer("layers.1.W_V", 2, 1), perLayer("layers.1.P", 3, 1)), DIM)
                .orElseThrow();
        assertLayers(w, 2);
    }

    @Test
    void anythingElseIsNotAnLsa() {
        // a mix of stacked and per-layer
        assertTrue(LsaParameterMapping.read(of(stacked("W_Q", 0, 2), stacked("W_K", 1, 2), stacked("W_V", 2, 2),
                perLayer("P", 3, 0)), DIM).isEmpty());
        // stacks of different depth
        assertTrue(LsaParameterMapping.read(of(stacked("W_Q", 0, 2), stacked("W_K", 1, 2), stacked("W_V", 2, 2),
                stacked("P", 3, 3)), DIM).isEmpty());
        // a missing kind, an extra parameter, a wrong width, two names for one matrix
        assertTrue(LsaParameterMapping.read(of(stacked("W_Q", 0, 2), stacked("W_K", 1, 2), stacked("W_V", 2, 2)), DIM)
                .isEmpty());
        assertTrue(LsaParameterMapping.read(of(stacked("W_Q", 0, 1), stacked("W_K", 1, 1), stacked("W_V", 2, 1),
                stacked("P", 3, 1), new TorchScriptModel.NamedTensor("ln.weight", new long[] {DIM}, new double[DIM])),
                DIM).isEmpty());
        assertTrue(LsaParameterMapping.read(of(stacked("W_Q", 0, 1), stacked("W_K", 1, 1), stacked("W_V", 2, 1),
                stacked("P", 3, 1)), DIM + 1).isEmpty());
        assertTrue(LsaParameterMapping.read(of(stacked("W_Q", 0, 1), stacked("query", 0, 1), stacked("W_K", 1, 1),
                stacked("W_V", 2, 1), stacked("P", 3, 1)), DIM).isEmpty());
    }

    @Test
    void stackedTorchScriptFixtureExposesVerifiedLsaWeights() {
        try (NDManager manager = NDManager.newBaseManager();
                ModelUnderTest model = ModelLoader.load(java.nio.file.Path.of("models", "fixtures",
                        "lsa_stacked.pt"), null, manager)) {
            assertTrue(model.capabilities().contains("lsa-weights"), model.capabilities().toString());
            LsaWeights w = model.lsaWeights().orElseThrow();
            assertEquals(2, w.depth());
            PromptSet prompts = TaskSamplers.forTask(model.task()).samplePromptSet(manager, 64, Seeds.derive(5, 1, 1));
            TestSupport.assertClose(new LsaRegressor("read", w, manager).predict(prompts), model.predict(prompts),
                    1e-5, "LSA from the stacked parameters vs the TorchScript module");
        }
    }
}
