package org.descent.foreign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.descent.probe.model.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sidecar's optional {@code layout} key: default, validation, and TorchScript's concatenated-only contract. */
class TaskSidecarTest {
    private static final String TASK = "\"d\": 4, \"n\": 8, \"inputs\": \"uniform\", \"inputScale\": 1.0, \"noise\": 0.0";

    @Test
    void layoutDefaultsToConcatenatedAndIsValidated(@TempDir Path dir) throws IOException {
        Path plain = Files.writeString(dir.resolve("a.task.json"), "{" + TASK + "}");
        TaskSidecar.Declaration d = TaskSidecar.declaration(plain);
        assertEquals("concatenated", d.layout().name());
        assertFalse(d.layoutStated());
        assertEquals(4, d.task().d());

        Path interleaved = Files.writeString(dir.resolve("b.task.json"), "{" + TASK + ", \"layout\": \"Interleaved\"}");
        d = TaskSidecar.declaration(interleaved);
        assertEquals("interleaved", d.layout().name());
        assertTrue(d.layoutStated());
        assertEquals(8, TaskSidecar.read(interleaved).n(), "read() still returns the task");

        Path unknown = Files.writeString(dir.resolve("c.task.json"), "{" + TASK + ", \"layout\": \"garg\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TaskSidecar.read(unknown));
        assertTrue(e.getMessage().startsWith(unknown.toString()) && e.getMessage().contains("unknown prompt layout"
                + " 'garg'") && e.getMessage().contains("interleaved-akyurek"), e.getMessage());

        Path number = Files.writeString(dir.resolve("d.task.json"), "{" + TASK + ", \"layout\": 2}");
        e = assertThrows(IllegalArgumentException.class, () -> TaskSidecar.read(number));
        assertTrue(e.getMessage().contains("\"layout\" must be a string"), e.getMessage());
    }

    @Test
    void torchScriptRefusesANonConcatenatedLayout(@TempDir Path dir) throws IOException {
        Path model = Files.copy(Path.of("models", "fixtures", "lsa_gd.pt"), dir.resolve("m.pt"));
        Files.writeString(dir.resolve("m.pt.task.json"), "{" + TASK + ", \"layout\": \"interleaved\"}");
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelLoader.load(model, null, manager));
            assertTrue(e.getMessage().contains("declares layout 'interleaved'")
                    && e.getMessage().contains("concatenated"), e.getMessage());
            Files.writeString(dir.resolve("m.pt.task.json"), "{" + TASK + ", \"layout\": \"concatenated\"}");
            ModelLoader.load(model, null, manager).close();
        }
    }
}
