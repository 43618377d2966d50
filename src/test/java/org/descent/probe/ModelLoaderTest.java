package org.descent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.descent.TestSupport;
import org.descent.model.LsaRegressor;
import org.descent.oracle.OneStepGdConstruction;
import org.descent.oracle.OptimalStepSize;
import org.descent.probe.model.ModelLoader;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskSamplers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening checkpoints as models under test: tasks from sidecars or --task, capabilities, clear errors. */
class ModelLoaderTest {
    /** float32 TorchScript against float64 LSA on unit-scale prompts. */
    static final double FLOAT32_TOLERANCE = 1e-5;

    @Test
    void torchScriptLsaExposesItsWeightsAndHiddenStates() {
        try (NDManager manager = NDManager.newBaseManager();
                ModelUnderTest model = ModelLoader.load(ProbeFixtures.fixture("lsa_gd.pt"), null, manager)) {
            assertEquals(List.of("predictions", "query-jacobians", "hidden-states", "lsa-weights"), model.capabilities());
            PromptSet prompts = TaskSamplers.forTask(model.task()).samplePromptSet(manager, 64, Seeds.derive(3, 1, 1));
            double eta = OptimalStepSize.closedForm(model.task());
            double[] construction = new LsaRegressor("GD", OneStepGdConstruction.weights(model.task().d(), eta),
                    manager).predict(prompts);
            TestSupport.assertClose(new LsaRegressor("read", model.lsaWeights().orElseThrow(), manager)
                    .predict(prompts), construction, FLOAT32_TOLERANCE, "weights read from the .pt vs GD(η*)");
            HiddenStates hs = model.hiddenStates().orElseThrow().hiddenStates(prompts);
            assertEquals(2, hs.layers());
            assertEquals(model.task().tokenDim(), hs.width());
            double[] yhat = model.predict(prompts);
            for (int b = 0; b < prompts.size(); b++) {
                double last = hs.queryStates(1)[b][hs.width() - 1];
                TestSupport.assertClose(new double[] {-last}, new double[] {yhat[b]}, FLOAT32_TOLERANCE,
                        "readout ŷ = −(query label slot) of the last hidden state, prompt " + b);
            }
        }
    }

    @Test
    void softmaxTransformerHasNoLsaWeights() {
        try (NDManager manager = NDManager.newBaseManager();
                ModelUnderTest model = ModelLoader.load(ProbeFixtures.fixture("softmax_tf.pt"), null, manager)) {
            assertTrue(model.lsaWeights().isEmpty());
            assertTrue(model.hiddenStates().isPresent() && model.sensitivity().isPresent());
        }
    }

    @Test
    void taskFileReplacesAMissingSidecar(@TempDir Path dir) throws IOException {
        Path copy = Files.copy(ProbeFixtures.fixture("lsa_gd.pt"), dir.resolve("model.pt"));
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> ModelLoader.load(copy, null, manager));
            assertTrue(missing.getMessage().contains("no task sidecar"), missing.getMessage());
            Path sidecarFormat = ProbeFixtures.fixture("lsa_gd.pt.task.json");
            try (ModelUnderTest m = ModelLoader.load(copy, sidecarFormat, manager)) {
                assertEquals(4, m.task().d());
            }
            Path config = Files.writeString(dir.resolve("config.json"),
                    "{\"task\": {\"d\": 4, \"n\": 8, \"inputs\": \"uniform\"}, \"train\": {\"steps\": 10}}");
            try (ModelUnderTest m = ModelLoader.load(copy, config, manager)) {
                assertEquals(8, m.task().n());
            }
            Path wrong = Files.writeString(dir.resolve("wrong.json"),
                    "{\"d\": 7, \"n\": 8, \"inputs\": \"uniform\", \"inputScale\": 1.0, \"noise\": 0.0}");
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> ModelLoader.load(copy, wrong, manager));
            assertTrue(shape.getMessage().contains("model.pt"), shape.getMessage());
        }
    }

    @Test
    void corruptOrMissingCheckpointsAreClearErrors(@TempDir Path dir) throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.pt"), "not a model");
        Files.copy(ProbeFixtures.fixture("lsa_gd.pt.task.json"), dir.resolve("junk.pt.task.json"));
        try (NDManager manager = NDManager.newBaseManager()) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(junk, null, manager))
                    .getMessage().contains("junk.pt"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> ModelLoader.load(dir.resolve("nope.pt"), null, manager)).getMessage().contains("no such"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(dir, null, manager))
                    .getMessage().contains("not a descent checkpoint"));
        }
    }
}
