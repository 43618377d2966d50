package org.descent.foreign;

import static org.descent.TestSupport.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.OptimalStepSize;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.descent.util.Json;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed TorchScript fixtures ({@code models/fixtures/}, made by {@code scripts/make_fixtures.py}) against
 * the EJML gradient-descent oracle, and the adapter's refusals of files it must not load.
 */
class TorchScriptModelTest {
    /** float32 module vs float64 oracle, scaled by max(1, |expected|). */
    static final double FLOAT32_TOL = 1e-4;
    static final Path FIXTURES = Paths.get("models", "fixtures");
    static final int PROMPTS = 256;

    static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static PromptSet prompts(TaskConfig task, int count, long seed) {
        return TaskSamplers.forTask(task).samplePromptSet(manager, count, seed);
    }

    @Test
    void gdFixtureEqualsOneGdStepWithOptimalStepSize() {
        try (TorchScriptModel model = TorchScriptModel.load(FIXTURES.resolve("lsa_gd.pt"))) {
            TaskConfig task = model.task();
            assertEquals(new TaskConfig(4, 8, TaskConfig.UNIFORM, 1.0, 0.0), task);
            GradientDescentOracle oracle = GradientDescentOracle.oneStep(OptimalStepSize.closedForm(task));
            PromptSet p = prompts(task, PROMPTS, 11);
            assertClose(model.predict(p), oracle.predict(p), FLOAT32_TOL, "lsa_gd predictions vs GD(η*)");
            assertClose(model.queryJacobians(p), oracle.queryJacobians(p), FLOAT32_TOL, "lsa_gd Jacobians vs GD(η*)");
        }
    }

    @Test
    void pgdFixtureEqualsPreconditionedGd() throws IOException {
        JsonNode json = Json.mapper().readTree(FIXTURES.resolve("lsa_pgd.gamma.json").toFile());
        double[][] gamma = Json.mapper().treeToValue(json.get("gamma"), double[][].class);
        try (TorchScriptModel model = TorchScriptModel.load(FIXTURES.resolve("lsa_pgd.pt"))) {
            assertEquals(TaskConfig.GAUSSIAN, model.task().inputs());
            GradientDescentOracle oracle = GradientDescentOracle.preconditioned(new DMatrixRMaj(gamma));
            PromptSet p = prompts(model.task(), PROMPTS, 12);
            assertClose(model.predict(p), oracle.predict(p), FLOAT32_TOL, "lsa_pgd predictions vs PGD(Γ)");
            assertClose(model.queryJacobians(p), oracle.queryJacobians(p), FLOAT32_TOL, "lsa_pgd Jacobians vs PGD(Γ)");
        }
    }

    @Test
    void chunkingDoesNotChangeResults() {
        Path file = FIXTURES.resolve("random_model.pt");
        try (TorchScriptModel whole = TorchScriptModel.load(file);
                TorchScriptModel chunked = TorchScriptModel.builder().setFile(file).optChunkSize(37).build()) {
            PromptSet p = prompts(whole.task(), 100, 13);
            assertArrayEquals(whole.predict(p), chunked.predict(p), 1e-6, "predictions by chunks of 37");
            assertClose(whole.queryJacobians(p), chunked.queryJacobians(p), 1e-6, "Jacobians by chunks of 37");
            double[][][] a = whole.hiddenStates(p).orElseThrow();
            double[][][] b = chunked.hiddenStates(p).orElseThrow();
            for (int l = 0; l < a.length; l++) {
                assertClose(a[l], b[l], 1e-6, "hidden layer " + l + " by chunks of 37");
            }
        }
    }

    @Test
    void hiddenStatesHaveShapeLayersPlusOneByPromptsByTokensTimesWidth() {
        PromptSet p;
        try (TorchScriptModel lsa = TorchScriptModel.load(FIXTURES.resolve("lsa_gd.pt"))) {
            p = prompts(lsa.task(), 16, 14);
            double[][][] h = lsa.hiddenStates(p).orElseThrow();
            assertEquals(2, h.length); // L + 1 = 2
            assertEquals(16, h[0].length);
            assertEquals(9 * 5, h[0][0].length); // (N + 1) * D
            assertArrayEquals(p.flatTokens(), flatten(h[0]), 1e-6, "hidden[0] is the input tokens");
            double[] preds = lsa.predict(p);
            for (int b = 0; b < p.size(); b++) {
                assertEquals(-h[1][b][9 * 5 - 1], preds[b], 1e-5, "readout is −(query's last coordinate)");
            }
        }
        try (TorchScriptModel tf = TorchScriptModel.load(FIXTURES.resolve("softmax_tf.pt"))) {
            double[][][] h = tf.hiddenStates(p).orElseThrow();
            assertEquals(3, h.length); // L + 1 = 3
            assertEquals(16, h[0].length);
            assertEquals(9 * 16, h[0][0].length); // (N + 1) * D_h
        }
    }

    @Test
    void softmaxTransformerRunsInEvalModeWithJacobiansMatchingFiniteDifferences() {
        try (TorchScriptModel tf = TorchScriptModel.load(FIXTURES.resolve("softmax_tf.pt"))) {
            PromptSet p = prompts(tf.task(), 32, 15);
            double[] first = tf.predict(p);
            double[][] jac = tf.queryJacobians(p);
            assertArrayEquals(first, tf.predict(p), 0.0, "dropout must be off: predictions repeat exactly");
            double step = 1e-2;
            int d = p.d();
            int n = p.n();
            for (int k = 0; k < d; k++) {
                double[] plus = tf.predict(shiftQuery(p, k, step));
                double[] minus = tf.predict(shiftQuery(p, k, -step));
                for (int b = 0; b < p.size(); b++) {
                    double fd = (plus[b] - minus[b]) / (2 * step);
                    assertEquals(fd, jac[b][k], 2e-3, "∂ŷ/∂x_q[" + k + "] of prompt " + b + " vs central difference"
                            + " (n=" + n + ")");
                }
            }
        }
    }

    @Test
    void namedParametersAreReadable() {
        try (TorchScriptModel lsa = TorchScriptModel.load(FIXTURES.resolve("lsa_gd.pt"))) {
            assertEquals(List.of("layers.0.W_Q", "layers.0.W_K", "layers.0.W_V", "layers.0.P"), lsa.parameterNames());
            Map<String, TorchScriptModel.NamedTensor> params = lsa.parameters();
            double eta = OptimalStepSize.closedForm(lsa.task());
            double[][] wv = params.get("layers.0.W_V").matrix();
            assertArrayEquals(new long[] {5, 5}, params.get("layers.0.W_V").shape());
            assertEquals(-eta, wv[4][4], 1e-6, "W_V[d, d] = −η*");
            assertEquals(0.0, wv[0][0], 0.0);
            assertEquals(1.0, lsa.parameter("layers.0.W_Q").orElseThrow().matrix()[0][0], 0.0);
            assertTrue(lsa.parameter("no.such").isEmpty());
        }
    }

    @Test
    void pickledStateDictIsRefusedWithExportAdvice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchScriptModel.load(FIXTURES.resolve("pickled_state_dict.pt")));
        assertTrue(e.getMessage().contains("torch.jit"), e.getMessage());
        assertTrue(e.getMessage().contains("pickled_state_dict.pt"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void legacyPickleIsRefusedWithExportAdvice(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("legacy.pt");
        Files.write(file, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchScriptModel.load(file, new TaskConfig(4, 8, "uniform", 1.0, 0.0)));
        assertTrue(e.getMessage().contains("pickled") && e.getMessage().contains("torch.jit"), e.getMessage());
    }

    @Test
    void corruptFilesAreRefused(@TempDir Path dir) throws IOException {
        byte[] noise = new byte[4096];
        new Random(16).nextBytes(noise);
        noise[0] = 'x'; // not a zip, not a pickle
        Path random = dir.resolve("random.pt");
        Files.write(random, noise);
        Files.copy(FIXTURES.resolve("lsa_gd.pt.task.json"), dir.resolve("random.pt.task.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TorchScriptModel.load(random));
        assertTrue(e.getMessage().startsWith(random.toString()) && e.getMessage().contains("corrupt"), e.getMessage());
        assertOneLine(e);

        byte[] good = Files.readAllBytes(FIXTURES.resolve("lsa_gd.pt"));
        Path truncated = dir.resolve("truncated.pt");
        Files.write(truncated, java.util.Arrays.copyOf(good, good.length / 2));
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> TorchScriptModel.load(truncated, new TaskConfig(4, 8, "uniform", 1.0, 0.0)));
        assertTrue(t.getMessage().contains("truncated.pt"), t.getMessage());
        assertOneLine(t);
    }

    @Test
    void missingFileAndMissingSidecarAreRefused(@TempDir Path dir) throws IOException {
        Path absent = dir.resolve("absent.pt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TorchScriptModel.load(absent));
        assertTrue(e.getMessage().contains("absent.pt") && e.getMessage().contains("no such file"), e.getMessage());

        Path copy = dir.resolve("lsa_gd.pt");
        Files.copy(FIXTURES.resolve("lsa_gd.pt"), copy);
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> TorchScriptModel.load(copy));
        assertTrue(s.getMessage().contains("lsa_gd.pt.task.json") && s.getMessage().contains("sidecar"),
                s.getMessage());
        assertOneLine(s);
        try (TorchScriptModel withTask = TorchScriptModel.load(copy, new TaskConfig(4, 8, "uniform", 1.0, 0.0))) {
            assertFalse(withTask.name().isEmpty());
        }
    }

    @Test
    void sidecarRejectsUnknownAndMissingKeys(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("m.pt");
        Files.writeString(dir.resolve("m.pt.task.json"),
                "{\"d\": 4, \"n\": 8, \"inputs\": \"uniform\", \"inputScale\": 1.0, \"noise\": 0.0, \"lr\": 1}");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> TaskSidecar.forModel(model));
        assertTrue(unknown.getMessage().contains("\"lr\"") && unknown.getMessage().contains("m.pt.task.json"),
                unknown.getMessage());
        Files.writeString(dir.resolve("m.pt.task.json"), "{\"d\": 4, \"n\": 8, \"inputs\": \"uniform\", \"noise\": 0}");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> TaskSidecar.forModel(model));
        assertTrue(missing.getMessage().contains("inputScale"), missing.getMessage());
        Files.delete(dir.resolve("m.pt.task.json"));
        Files.writeString(dir.resolve("m.task.json"),
                "{\"d\": 3, \"n\": 5, \"inputs\": \"gaussian\", \"inputScale\": 2.0, \"noise\": 0.5}");
        assertEquals(new TaskConfig(3, 5, TaskConfig.GAUSSIAN, 2.0, 0.5), TaskSidecar.forModel(model));
    }

    @Test
    void wrongOutputShapeIsRefusedAtLoad() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchScriptModel.load(FIXTURES.resolve("wrong_output.pt")));
        assertTrue(e.getMessage().contains("[B]") && e.getMessage().contains("(2, 1)"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void taskWithOtherTokenWidthIsRefusedAtLoad() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchScriptModel.load(FIXTURES.resolve("lsa_gd.pt"), new TaskConfig(6, 8, "uniform", 1.0, 0.0)));
        assertTrue(e.getMessage().contains("lsa_gd.pt") && e.getMessage().contains("d=6"), e.getMessage());
        assertOneLine(e);
    }

    static void assertOneLine(Exception e) {
        assertFalse(e.getMessage().contains("\n"), () -> "message must be one line: " + e.getMessage());
    }

    static double[] flatten(double[][] rows) {
        int width = rows[0].length;
        double[] out = new double[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * width, width);
        }
        return out;
    }

    /** The same prompts with query coordinate k moved by {@code delta}. */
    static PromptSet shiftQuery(PromptSet p, int k, double delta) {
        double[] tokens = p.flatTokens();
        int per = (p.n() + 1) * p.tokenDim();
        for (int b = 0; b < p.size(); b++) {
            tokens[b * per + p.n() * p.tokenDim() + k] += delta;
        }
        return new PromptSet(p.d(), p.n(), tokens, p.targets());
    }
}
