package org.descent.experiment;

import static org.descent.TestSupport.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Frozen evaluation sets round-trip exactly, are never overwritten, and corrupt ones are refused. */
class EvaluationDatasetsTest {
    static final TaskConfig TASK = new TaskConfig(3, 4, "gaussian", 1.0, 0.2);

    @Test
    void roundTripAndNoOverwrite(@TempDir Path root) throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet p = TaskSamplers.forTask(TASK).samplePromptSet(m, 50, 8);
            Path dir = EvaluationDatasets.write(root, "small", TASK, 8, p, Map.of(), m);
            EvaluationDatasets.Dataset back = EvaluationDatasets.read(dir, m);
            assertEquals(TASK, back.manifest().task());
            assertClose(back.prompts().flatTokens(), p.flatTokens(), 0, "tokens");
            assertClose(back.prompts().targets(), p.targets(), 0, "targets");
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> EvaluationDatasets.write(root, "small", TASK, 8, p, Map.of(), m)).getMessage()
                    .contains("never overwritten"));
            Files.write(dir.resolve("prompts.npz"), new byte[] {1, 2, 3});
            assertTrue(assertThrows(IllegalArgumentException.class, () -> EvaluationDatasets.read(dir, m))
                    .getMessage().contains("corrupt"));
        }
    }

    /** A dataset keeps each prompt's task vector, readable by numpy; its manifest has the run fields. */
    @Test
    void datasetsKeepTheGroundTruth(@TempDir Path root) throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ExperimentConfig cfg = new ExperimentConfig(TASK, null, null, null);
            org.descent.task.TaskTruth.Recorded<PromptSet> drawn = EvaluationDatasets.draw(TASK, 40, 9, m);
            Path dir = EvaluationDatasets.write(root, "truth", cfg, 9, drawn, Map.of(),
                    java.util.List.of("descent", "dataset", "--name", "truth"));
            EvaluationDatasets.Dataset back = EvaluationDatasets.read(dir, m);
            assertClose(back.prompts().flatTokens(), drawn.value().flatTokens(), 0, "tokens");
            assertEquals(java.util.List.of("w"), java.util.List.copyOf(back.truth().keySet()));
            assertClose(back.truth().get("w").asDoubles(), drawn.parameters().get("w").asDoubles(), 0, "w");
            assertEquals(java.util.List.of("w"), back.manifest().truth());
            com.fasterxml.jackson.databind.JsonNode manifest = org.descent.util.RunFiles.json(dir, "manifest.json");
            for (String key : new String[] {"schema_version", "run_id", "kind", "command", "config", "provenance"}) {
                assertTrue(manifest.has(key), "manifest lacks " + key);
            }
            assertEquals("dataset", manifest.get("kind").asText());
            assertEquals(TASK, ExperimentConfig.load(dir.resolve("manifest.json")).task(), "--config manifest.json");
        }
    }

    /** Sets written before the schema (format 1: no run fields, no truth) are still read. */
    @Test
    void formatOneIsStillRead(@TempDir Path root) throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet p = TaskSamplers.forTask(TASK).samplePromptSet(m, 20, 8);
            Path dir = EvaluationDatasets.write(root, "old", TASK, 8, p, Map.of(), m);
            String v1 = "{\"format\": \"descent-prompts/1\", \"name\": \"old\", \"task\": "
                    + org.descent.util.Json.write(TASK) + ", \"count\": 20, \"seed\": 8, \"sha256\": \""
                    + org.descent.util.AtomicFiles.sha256(dir.resolve("prompts.npz")) + "\", \"provenance\": {}}";
            Files.writeString(dir.resolve("manifest.json"), v1);
            EvaluationDatasets.Dataset back = EvaluationDatasets.read(dir, m);
            assertClose(back.prompts().targets(), p.targets(), 0, "targets");
            assertTrue(back.truth().isEmpty());
        }
    }
}
