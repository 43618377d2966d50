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
}
