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
import java.util.List;
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
    void savesNeverOverwriteEachOther(@TempDir Path root) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path a = save(root, manager);
            byte[] before = Files.readAllBytes(a.resolve("manifest.json"));
            java.io.UncheckedIOException again = assertThrows(java.io.UncheckedIOException.class,
                    () -> save(root, manager));
            assertTrue(again.getMessage().contains("already exists"), again.getMessage());
            assertArrayEquals(before, Files.readAllBytes(a.resolve("manifest.json")), "the first one is untouched");
            Path b = Checkpoints.save(root, "run2", state(), "final", TASK, MODEL, TRAIN, Map.of(), Map.of(), manager);
            assertNotEquals(a, b);
            assertTrue(Files.isDirectory(a) && Files.isDirectory(b));
            assertEquals(List.of(a.getFileName().toString(), b.getFileName().toString()), visible(root),
                    "no staging folders or lock files left");
        }
    }

    /** Drill "run identity": folder name = run id + step, manifest agrees, names sort by step. */
    @Test
    void folderNamesCarryRunIdAndStepAndSortByStep(@TempDir Path root) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            String runId = "20260101-000000-train-abcd";
            List<Path> saved = new java.util.ArrayList<>();
            for (int step : new int[] {100, 20, 3}) {
                TrainingState s = state();
                TrainingState at = new TrainingState(s.weights(), s.adamMeans(), s.adamVariances(), step,
                        new float[step]);
                saved.add(Checkpoints.save(root, runId, at, step == 100 ? "final" : "intermediate", TASK, MODEL,
                        TRAIN.withSteps(100), Map.of(), Map.of(), manager));
            }
            assertEquals(runId + "-step0000100", saved.get(0).getFileName().toString());
            for (Path p : saved) {
                Checkpoints.CheckpointManifest m = Checkpoints.load(p, manager).manifest();
                assertEquals(runId, m.runId(), "manifest runId");
                assertEquals(p.getFileName().toString(), m.checkpoint(), "manifest checkpoint = folder name");
                assertTrue(p.getFileName().toString().startsWith(m.runId() + "-step"));
            }
            assertEquals(List.of(runId + "-step0000003", runId + "-step0000020", runId + "-step0000100"),
                    visible(root), "sorted by name = sorted by step");
            assertEquals(runId + "-step0000007-interrupted", Checkpoints.folderName(runId, 7, "interrupted"));
        }
    }

    /** Drill "state.npz not byte-reproducible": the same state saved twice gives identical files. */
    @Test
    void checkpointFilesAreByteReproducible(@TempDir Path root) throws Exception {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path a = Checkpoints.save(root, "a", state(), "final", TASK, MODEL, TRAIN, Map.of(), Map.of(), manager);
            Thread.sleep(2100); // zip timestamps have a 2-second resolution
            Path b = Checkpoints.save(root, "b", state(), "final", TASK, MODEL, TRAIN, Map.of(), Map.of(), manager);
            for (String f : List.of("lsa.params", "state.npz")) {
                assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
            }
        }
    }

    static List<String> visible(Path root) {
        try (java.util.stream.Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Rewrites a manifest key's checksum to match the (edited) file, as a careful forger would. */
    static void rechecksum(Path dir, String file) throws IOException {
        String manifest = Files.readString(dir.resolve("manifest.json")).replaceAll("\"" + file.replace(".", "\\.")
                + "\" : \"[0-9a-f]+\"", "\"" + file + "\" : \"" + org.descent.util.AtomicFiles.sha256(dir.resolve(file))
                + "\"");
        Files.writeString(dir.resolve("manifest.json"), manifest);
    }

    static IllegalArgumentException refused(Path dir, NDManager manager) {
        return assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(dir, manager));
    }

    /** Drill: edited manifests (no task, no train, no sha256) are refused with a clear message, never an NPE. */
    @Test
    void editedManifestsAreRefused(@TempDir Path root) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path dir = save(root, manager);
            String original = Files.readString(dir.resolve("manifest.json"));
            com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                    org.descent.util.Json.mapper().readTree(original);
            for (String key : List.of("task", "train", "model", "run_id", "status", "format")) {
                com.fasterxml.jackson.databind.node.ObjectNode edited = tree.deepCopy();
                edited.remove(key);
                Files.writeString(dir.resolve("manifest.json"), org.descent.util.Json.write(edited));
                String m = refused(dir, manager).getMessage();
                assertTrue(m.contains("\"" + key + "\" is missing") && m.contains("manifest.json"), key + ": " + m);
            }
            com.fasterxml.jackson.databind.node.ObjectNode noSums = tree.deepCopy();
            noSums.remove("sha256");
            Files.writeString(dir.resolve("manifest.json"), org.descent.util.Json.write(noSums));
            assertTrue(refused(dir, manager).getMessage().contains("cannot be verified"));
            // flipped weights with the checksum removed: refused, not loaded
            byte[] bytes = Files.readAllBytes(dir.resolve("lsa.params"));
            bytes[bytes.length - 3] ^= 0x40;
            Files.write(dir.resolve("lsa.params"), bytes);
            com.fasterxml.jackson.databind.node.ObjectNode oneSum = tree.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) oneSum.get("sha256")).remove("lsa.params");
            Files.writeString(dir.resolve("manifest.json"), org.descent.util.Json.write(oneSum));
            String m = refused(dir, manager).getMessage();
            assertTrue(m.contains("no sha256 checksum for lsa.params"), m);
        }
    }

    /** Drill "NaN Adam state" (and a NaN model): a state that no healthy run can produce is refused at load. */
    @Test
    void nonFiniteStateIsRefused(@TempDir Path root) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            TrainingState s = state();
            float[][] m = s.adamMeans().clone();
            m[2] = m[2].clone();
            m[2][5] = Float.NaN;
            Path nanAdam = Checkpoints.save(root, "nan-adam", new TrainingState(s.weights(), m, s.adamVariances(),
                    3, s.losses()), "final", TASK, MODEL, TRAIN, Map.of(), Map.of(), manager);
            String e = refused(nanAdam, manager).getMessage();
            assertTrue(e.contains("Adam state") && e.contains("layer0.W_V") && e.contains("corrupt"), e);

            float[][] v = s.adamVariances().clone();
            v[0] = v[0].clone();
            v[0][0] = -1f;
            Path negative = Checkpoints.save(root, "neg-v", new TrainingState(s.weights(), s.adamMeans(), v, 3,
                    s.losses()), "final", TASK, MODEL, TRAIN, Map.of(), Map.of(), manager);
            assertTrue(refused(negative, manager).getMessage().contains("negative second moments"));

            double[][] w = s.weights().layer(1).matrices();
            double[] wq = w[0].clone();
            wq[3] = Double.POSITIVE_INFINITY;
            org.descent.model.LsaLayerWeights bad = new org.descent.model.LsaLayerWeights(4, wq, w[1], w[2], w[3]);
            LsaWeights nanModel = LsaWeights.of(List.of(s.weights().layer(0), bad));
            Path infWeights = Checkpoints.save(root, "inf-w", new TrainingState(nanModel, s.adamMeans(),
                    s.adamVariances(), 3, s.losses()), "final", TASK, MODEL, TRAIN, Map.of(), Map.of(), manager);
            String we = refused(infWeights, manager).getMessage();
            assertTrue(we.contains("layer 1") && we.contains("NaN or infinite"), we);
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
            rechecksum(dir, "lsa.params"); // a matching checksum, so the parser itself must notice
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Checkpoints.load(dir, manager));
            assertTrue(e.getMessage().contains("lsa.params"), e.getMessage());
        }
    }

    @Test
    void wrongShapeIsRefused(@TempDir Path root) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path dir = save(root, manager);
            String manifest = Files.readString(dir.resolve("manifest.json")).replaceFirst("\"d\" : 3", "\"d\" : 4");
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

    /**
     * weights.npz beside lsa.params holds the same weights in float64, their products and Γ_eff, and its checksum is
     * in the manifest (format 3, with the fields of every run manifest).
     */
    @Test
    void weightsAreWrittenForNumpy(@TempDir Path root) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path dir = save(root, manager);
            Map<String, org.descent.util.Npz.Array> npz = org.descent.util.Npz.read(dir.resolve("weights.npz"));
            LsaWeights w = state().weights();
            for (int l = 0; l < 2; l++) {
                org.descent.model.LsaLayerWeights layer = w.layer(l);
                double[][] m = layer.matrices();
                String p = "layer" + l + ".";
                String[] names = {"W_Q", "W_K", "W_V", "P"};
                for (int k = 0; k < 4; k++) {
                    assertEquals("float64", npz.get(p + names[k]).dtype());
                    assertArrayEquals(new long[] {4, 4}, npz.get(p + names[k]).shape());
                    assertArrayEquals(m[k], npz.get(p + names[k]).doubles(), 0.0, p + names[k]);
                }
                assertArrayEquals(layer.keyQuery().getData(), npz.get(p + "W_KQ").doubles(), 0.0, "W_KᵀW_Q");
                assertArrayEquals(layer.projectedValue().getData(), npz.get(p + "W_PV").doubles(), 0.0, "P W_V");
                assertArrayEquals(org.descent.oracle.EffectivePreconditioner.of(layer).gamma().getData(),
                        npz.get(p + "Gamma_eff").doubles(), 0.0, "Γ_eff");
            }
            assertEquals(2.0, npz.get("depth").doubles()[0]);
            com.fasterxml.jackson.databind.JsonNode manifest = org.descent.util.Json.mapper()
                    .readTree(dir.resolve("manifest.json").toFile());
            assertEquals(org.descent.util.AtomicFiles.sha256(dir.resolve("weights.npz")),
                    manifest.at("/sha256/weights.npz").asText());
            for (String key : List.of("schema_version", "run_id", "kind", "command", "config", "provenance")) {
                assertTrue(manifest.has(key), "manifest lacks " + key);
            }
            assertEquals(Checkpoints.FORMAT, manifest.get("format").asText());
            assertEquals("train", manifest.get("kind").asText());
            // an edited config is refused like any edited manifest
            Files.writeString(dir.resolve("manifest.json"), Files.readString(dir.resolve("manifest.json"))
                    .replace("\"layers\" : 2", "\"layers\" : 3").replaceFirst("\"layers\" : 3", "\"layers\" : 2"));
            String m = refused(dir, manager).getMessage();
            assertTrue(m.contains("\"config\" has another model section"), m);
        }
    }

    /** A checkpoint in format 2 (runId, no schema fields, no weights.npz), as descent wrote it before, still loads. */
    @Test
    void formatTwoStillLoads(@TempDir Path root) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Path dir = save(root, manager);
            com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                    org.descent.util.Json.mapper().readTree(dir.resolve("manifest.json").toFile());
            tree.put("format", "descent-lsa-checkpoint/2");
            tree.set("runId", tree.remove("run_id"));
            for (String key : List.of("schema_version", "kind", "command", "config")) {
                tree.remove(key);
            }
            ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("sha256")).remove("weights.npz");
            Files.delete(dir.resolve("weights.npz"));
            Files.writeString(dir.resolve("manifest.json"), org.descent.util.Json.write(tree));
            Checkpoints.Loaded loaded = Checkpoints.load(dir, manager);
            assertEquals("run", loaded.manifest().runId());
            assertEquals(state().weights(), loaded.state().weights());
        }
    }
}
