package org.descent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.descent.model.LsaInitialization;
import org.descent.model.LsaWeights;
import org.descent.model.ModelConfig;
import org.descent.task.TaskConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints load back bit-identically; damaged or foreign files are refused with a clear message. */
class CheckpointsTest {
    static final TaskConfig TASK = new TaskConfig(3, 5, "uniform", 1.0, 0.0);
    static final ModelConfig MODEL = new ModelConfig(2, false, 0.1);
    static final TrainConfig TRAIN = TrainConfig.defaults().withSteps(3);

    static TrainingState state() {
        LsaWeights w = LsaInitialization.gaussian(3, MODEL, 4);
        float[][] m = new float[8][16];
        float[][] v = new float[8][16];
        for (int i = 0; i < 8; i++) {
            for (int k = 0; k < 16; k++) {
                m[i][k] = i * 0.25f - k * 1e-3f;
                v[i][k] = (i + k) * 1e-4f;
            }
        }
        return new TrainingState(w, m, v, 3, new float[] {3f, 2.5f, 2.25f});
    }

    static Path save(Path root, NDManager manager) {
        return Checkpoints.save(root, "run", state(), "final", TASK, MODEL, TRAIN, Map.of("git", "x"), Map.of(),
                manager);
    }

    @Test
    void roundTripIsBitIdentical(@TempDir Path root) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path dir = save(root, manager);
            Checkpoints.Loaded loaded = Checkpoints.load(dir, manager);
            TrainingState a = state();
            TrainingState b = loaded.state();
            assertEquals(a.weights(), b.weights(), "weights");
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(a.adamMeans()[i], b.adamMeans()[i]);
                assertArrayEquals(a.adamVariances()[i], b.adamVariances()[i]);
            }
            assertArrayEquals(a.losses(), b.losses());
            assertEquals(TASK, loaded.manifest().task());
            assertEquals(MODEL, loaded.manifest().model());
            assertEquals(TRAIN, loaded.manifest().train());
        }
    }

    @Test
    void savesNeverOverwriteEachOther(@TempDir Path root) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path a = save(root, manager);
            Path b = save(root, manager);
            assertNotEquals(a, b);
            assertTrue(Files.isDirectory(a) && Files.isDirectory(b));
        }
    }

    @Test
    void corruptParametersAreRefused(@TempDir Path root) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path dir = save(root, manager);
            byte[] bytes = Files.readAllBytes(dir.resolve("lsa.params"));
            bytes[bytes.length / 2] ^= 0x55;
            Files.write(dir.resolve("lsa.params"), bytes);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Checkpoints.load(dir, manager));
            assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
        }
    }

    @Test
    void foreignParameterFileIsRefused(@TempDir Path root) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path dir = save(root, manager);
            Files.write(dir.resolve("lsa.params"), "PK\u0003\u0004 not a DJL parameter file".getBytes());
            // drop the checksum so the parser itself must notice
            String manifest = Files.readString(dir.resolve("manifest.json"))
                    .replaceAll("\"lsa.params\" : \"[0-9a-f]+\"", "\"lsa.params\" : null");
            Files.writeString(dir.resolve("manifest.json"), manifest);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Checkpoints.load(dir, manager));
            assertTrue(e.getMessage().contains("lsa.params"), e.getMessage());
        }
    }

    @Test
    void wrongShapeIsRefused(@TempDir Path root) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path dir = save(root, manager);
            String manifest = Files.readString(dir.resolve("manifest.json")).replaceFirst("\"d\" : 3", "\"d\" : 4")
                    .replaceAll("\"lsa.params\" : \"[0-9a-f]+\"", "\"lsa.params\" : null");
            Files.writeString(dir.resolve("manifest.json"), manifest);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Checkpoints.load(dir, manager));
            assertTrue(e.getMessage().contains("D=5"), e.getMessage());
        }
    }

    @Test
    void notACheckpointIsRefused(@TempDir Path root) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path file = Files.writeString(root.resolve("model.pt"), "x");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(file, manager))
                    .getMessage().contains("descent probe"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(root, manager))
                    .getMessage().contains("no manifest.json"));
            Path dir = save(root.resolve("m"), manager);
            Files.writeString(dir.resolve("manifest.json"), Files.readString(dir.resolve("manifest.json"))
                    .replaceFirst("\\{", "{\"surprise\" : 1,"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(dir, manager))
                    .getMessage().contains("surprise"));
        }
    }
}
