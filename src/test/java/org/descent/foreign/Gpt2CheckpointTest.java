package org.descent.foreign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.descent.TestSupport;
import org.descent.model.gpt2.Gpt2Transformer;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.model.ModelLoader;
import org.descent.task.PromptSet;
import org.descent.task.layout.Interleaved;
import org.descent.util.Npz;
import org.descent.util.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed Garg-style GPT-2 fixture ({@code models/fixtures/garg-tiny/}, made by
 * {@code scripts/make_gpt2_fixture.py} through {@code scripts/convert_garg_checkpoint.py}) against the torch forward
 * pass it was written with, and the one-line refusals of malformed checkpoints.
 *
 * <p>Reference shapes: {@code tokens [B, N+1, d+1]}, {@code outputs32}/{@code outputs64 [B, 2N+1]} (the read-out at
 * every token), {@code predictions32 [B, N+1]}; B = 4, N = 5, d = 3.
 */
class Gpt2CheckpointTest {
    static final Path FIXTURE = Path.of("models", "fixtures", "garg-tiny");
    /** Java against torch, every token, both in float32 or Java float64 against torch float32. */
    static final double TOLERANCE = 1e-5;
    /** Java float64 against torch float64 (same float32 parameters and inputs). */
    static final double FLOAT64_TOLERANCE = 1e-10;

    private static Map<String, Npz.Array> reference() {
        return Npz.read(FIXTURE.resolve("reference.npz"));
    }

    /** The reference prompts in descent's canonical layout (float32 values, exactly representable in float64). */
    private static PromptSet prompts(Map<String, Npz.Array> ref) {
        Npz.Array tokens = ref.get("tokens"); // [B, N+1, d+1]
        Npz.Array ys = ref.get("ys"); // [B, N+1]
        long[] s = tokens.shape();
        int b = (int) s[0];
        int n = (int) s[1] - 1;
        double[] y = ys.asDoubles();
        double[] targets = new double[b];
        for (int p = 0; p < b; p++) {
            targets[p] = y[p * (n + 1) + n];
        }
        return new PromptSet((int) s[2] - 1, n, tokens.asDoubles(), targets);
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void fixtureLoadsFromSafetensorsWithEveryCapability() {
        Gpt2Checkpoint c = Gpt2Checkpoint.read(FIXTURE, null, null);
        assertEquals(2, c.weights().config().layers());
        assertEquals(2, c.weights().config().heads());
        assertEquals(16, c.weights().config().width());
        assertEquals(12, c.weights().config().positions());
        assertEquals(3, c.weights().config().inputWidth());
        assertEquals(Interleaved.GARG, c.layout().name());
        assertEquals(3, c.task().d());
        assertEquals(5, c.task().n());
        assertEquals("gaussian", c.task().inputs());
        assertTrue(c.ignored().isEmpty() && c.renamed().isEmpty(), "the converter drops buffers and keeps names");
        assertEquals("", c.note());
        try (NDManager manager = NDManager.newBaseManager();
                ModelUnderTest m = ModelLoader.load(FIXTURE, null, manager)) {
            assertEquals("safetensors", m.origin().kind());
            assertEquals(64, m.origin().sha256().length());
            assertEquals(Interleaved.GARG, m.layout().name());
            assertTrue(m.sensitivity().isPresent() && m.hiddenStates().isPresent() && m.activations().isPresent()
                    && m.prefixPredictions().isPresent(), m.capabilities().toString());
            assertTrue(m.lsaWeights().isEmpty());
        }
        // the weights file itself works too
        try (NDManager manager = NDManager.newBaseManager();
                ModelUnderTest m = ModelLoader.load(FIXTURE.resolve("model.safetensors"), null, manager)) {
            assertEquals("safetensors", m.origin().kind());
        }
    }

    @Test
    void javaForwardMatchesTorchAtEveryToken() {
        Map<String, Npz.Array> ref = reference();
        Gpt2Checkpoint c = Gpt2Checkpoint.read(FIXTURE, null, null);
        PromptSet prompts = prompts(ref);
        double[] torch32 = ref.get("outputs32").asDoubles(); // [B, 2N+1]
        double[] torch64 = ref.get("outputs64").asDoubles(); // [B, 2N+1]
        try (NDManager manager = NDManager.newBaseManager()) {
            double[] diff = new double[3];
            int i = 0;
            for (DataType type : List.of(DataType.FLOAT32, DataType.FLOAT64)) {
                NDArray tokens = prompts.tokensArray(manager, type); // [B, N+1, d+1]
                NDArray input = c.layout().encode(tokens); // [B, 2N+1, d]
                assertEquals(new Shape(4, 11, 3), input.getShape());
                double[] java = Gpt2Transformer.outputs(c.weights().config(), c.weights().toArrays(manager, type),
                        input).toType(DataType.FLOAT64, false).toDoubleArray(); // [B, 2N+1]
                diff[i++] = maxAbsDiff(java, torch32);
                if (type == DataType.FLOAT64) {
                    diff[i++] = maxAbsDiff(java, torch64);
                }
            }
            System.out.printf("garg-tiny, every token: max |Java f32 - torch f32| = %.3g, max |Java f64 - torch f32| ="
                    + " %.3g, max |Java f64 - torch f64| = %.3g%n", diff[0], diff[1], diff[2]);
            assertTrue(diff[0] <= TOLERANCE, "float32 forward differs from torch by " + diff[0]);
            assertTrue(diff[1] <= TOLERANCE, "float64 forward differs from torch float32 by " + diff[1]);
            assertTrue(diff[2] <= FLOAT64_TOLERANCE, "float64 forward differs from torch float64 by " + diff[2]);
        }
    }

    @Test
    void prefixPredictionsAndQueryPredictionAreTheOutputsAtTheInputTokens() {
        Map<String, Npz.Array> ref = reference();
        PromptSet prompts = prompts(ref);
        double[] expected = ref.get("predictions32").asDoubles(); // [B, N+1]
        try (NDManager manager = NDManager.newBaseManager();
                ModelUnderTest m = ModelLoader.load(FIXTURE, null, manager)) {
            double[] prefix = m.prefixPredictions().orElseThrow().prefixPredictions(prompts);
            TestSupport.assertClose(prefix, expected, TOLERANCE, "prefix predictions vs torch outputs[:, ::2]");
            double[] query = m.predict(prompts);
            double[] last = new double[prompts.size()];
            for (int b = 0; b < last.length; b++) {
                last[b] = expected[b * (prompts.n() + 1) + prompts.n()];
            }
            TestSupport.assertClose(query, last, TOLERANCE, "prediction at the query vs torch");
        }
    }

    // ------------------------------------------------------------------------------------------- malformed inputs

    /** A copy of the fixture folder whose tensors {@code edit} changed. */
    private static Path copyWithTensors(Path dir, Consumer<Map<String, Safetensors.Tensor>> edit) throws IOException {
        Path out = Files.createDirectories(dir.resolve("ckpt"));
        for (String f : List.of("config.json", "model.safetensors.task.json")) {
            Files.copy(FIXTURE.resolve(f), out.resolve(f));
        }
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>(Safetensors.read(FIXTURE.resolve("model.safetensors"))
                .tensors());
        edit.accept(t);
        Safetensors.write(out.resolve("model.safetensors"), t, Map.of());
        return out;
    }

    private static IllegalArgumentException refused(Path checkpoint) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gpt2Checkpoint.read(checkpoint, null, null));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e;
    }

    @Test
    void missingKeyIsNamed(@TempDir Path dir) throws IOException {
        Path c = copyWithTensors(dir, t -> t.remove("_backbone.h.1.mlp.c_fc.bias"));
        IllegalArgumentException e = refused(c);
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("1 parameter missing")
                && e.getMessage().contains("_backbone.h.1.mlp.c_fc.bias"), e.getMessage());
    }

    @Test
    void wrongShapeNamesKeyExpectedAndGot(@TempDir Path dir) throws IOException {
        Path c = copyWithTensors(dir, t -> t.put("_read_out.weight", new Safetensors.Tensor(new long[] {16, 1},
                new float[16])));
        IllegalArgumentException e = refused(c);
        assertTrue(e.getMessage().contains("'_read_out.weight' has shape [16, 1], expected [1, 16]"), e.getMessage());
    }

    @Test
    void unexpectedKeyIsRefusedAndBuffersAreIgnoredWithANote(@TempDir Path dir) throws IOException {
        Path extra = copyWithTensors(dir.resolve("a"), t -> t.put("lm_head.weight",
                new Safetensors.Tensor(new long[] {2}, new float[2])));
        assertTrue(refused(extra).getMessage().contains("1 unexpected key") , "lm_head is not a regressor's");
        Path buffers = copyWithTensors(dir.resolve("b"), t -> {
            t.put("_backbone.h.0.attn.bias", new Safetensors.Tensor(new long[] {1, 1, 12, 12}, new float[144]));
            t.put("_backbone.h.0.attn.masked_bias", new Safetensors.Tensor(new long[] {}, new float[] {-1e4f}));
            t.put("_backbone.wte.weight", new Safetensors.Tensor(new long[] {8, 16}, new float[128]));
        });
        Gpt2Checkpoint c = Gpt2Checkpoint.read(buffers, null, null);
        assertEquals(3, c.ignored().size());
        assertTrue(c.note().contains("ignored 3 keys"), c.note());
    }

    @Test
    void huggingFaceBackboneNamesAreMapped(@TempDir Path dir) throws IOException {
        Path c = copyWithTensors(dir, t -> {
            Map<String, Safetensors.Tensor> renamed = new LinkedHashMap<>();
            t.forEach((k, v) -> renamed.put(k.startsWith("_backbone.h.0.") ? "transformer." + k.substring(10)
                    : k.startsWith("_backbone.") ? k.substring(10) : k, v));
            t.clear();
            t.putAll(renamed);
        });
        Gpt2Checkpoint read = Gpt2Checkpoint.read(c, null, null);
        Gpt2Checkpoint original = Gpt2Checkpoint.read(FIXTURE, null, null);
        assertTrue(read.renamed().containsKey("transformer.h.0.ln_1.weight") && read.renamed().containsKey("wpe.weight"));
        for (String name : original.weights().values().keySet()) {
            assertTrue(java.util.Arrays.equals(original.weights().values().get(name), read.weights().values().get(name)),
                    name);
        }
        Path clash = copyWithTensors(dir.resolve("clash"), t -> t.put("transformer.wpe.weight",
                t.get("_backbone.wpe.weight")));
        assertTrue(refused(clash).getMessage().contains("both name parameter '_backbone.wpe.weight'"));
    }

    @Test
    void layoutWidthAndPositionsAreCheckedAgainstTheTask(@TempDir Path dir) throws IOException {
        Path wide = copyWithTensors(dir.resolve("w"), t -> { });
        Files.writeString(wide.resolve("model.safetensors.task.json"), "{\"d\": 4, \"n\": 5, \"inputs\": \"gaussian\","
                + " \"inputScale\": 1.0, \"noise\": 0.0, \"layout\": \"interleaved\"}");
        IllegalArgumentException e = refused(wide);
        assertTrue(e.getMessage().contains("width 4 but the model reads width 3"), e.getMessage());

        Path akyurek = copyWithTensors(dir.resolve("a"), t -> { });
        Files.writeString(akyurek.resolve("model.safetensors.task.json"), "{\"d\": 3, \"n\": 5, \"inputs\":"
                + " \"gaussian\", \"inputScale\": 1.0, \"noise\": 0.0, \"layout\": \"interleaved-akyurek\"}");
        assertTrue(refused(akyurek).getMessage().contains("declares layout 'interleaved-akyurek'"));

        Path many = copyWithTensors(dir.resolve("n"), t -> { });
        Files.writeString(many.resolve("model.safetensors.task.json"), "{\"d\": 3, \"n\": 6, \"inputs\": \"gaussian\","
                + " \"inputScale\": 1.0, \"noise\": 0.0}");
        e = refused(many);
        assertTrue(e.getMessage().contains("n=6 context pairs make 13 tokens") && e.getMessage().contains("at most n=5"),
                e.getMessage());

        Path unknownLayout = copyWithTensors(dir.resolve("u"), t -> { });
        Files.writeString(unknownLayout.resolve("model.safetensors.task.json"), "{\"d\": 3, \"n\": 5, \"inputs\":"
                + " \"gaussian\", \"inputScale\": 1.0, \"noise\": 0.0, \"layout\": \"interleave\"}");
        e = refused(unknownLayout);
        assertTrue(e.getMessage().contains("unknown prompt layout 'interleave'"), e.getMessage());

        Path config = copyWithTensors(dir.resolve("c"), t -> { });
        Files.writeString(config.resolve("config.json"), Files.readString(config.resolve("config.json"))
                .replace("\"layers\"", "\"n_layer\""));
        e = refused(config);
        assertTrue(e.getMessage().contains("config.json: unknown key \"n_layer\""), e.getMessage());
    }

    @Test
    void pickledStatePtIsRefusedWithTheConverterCommand(@TempDir Path dir) throws IOException {
        Path run = FIXTURE.resolve("garg-run");
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Path p : List.of(run, run.resolve("state.pt"))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> ModelLoader.load(p, null, manager));
                assertEquals(1, e.getMessage().lines().count(), e.getMessage());
                assertTrue(e.getMessage().contains("state.pt") && e.getMessage().contains("pickled")
                        && e.getMessage().contains("scripts/convert_garg_checkpoint.py"), e.getMessage());
            }
        }
        assertFalse(Gpt2Checkpoint.recognises(run));
    }

    @Test
    void probeCommandRunsTheDefaultSuiteOnTheFixture(@TempDir Path dir) throws IOException {
        TestSupport.CliResult r = TestSupport.cli("probe", FIXTURE.toString(), "--reports-dir",
                dir.resolve("reports").toString(), "--test-prompts", "2000", "-q");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("report: "), r.out());
        Path report;
        try (var s = Files.list(dir.resolve("reports"))) {
            report = s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        assertTrue(Files.isRegularFile(report.resolve("report.html")));
        String manifest = Files.readString(report.resolve("manifest.json"));
        assertTrue(manifest.contains("\"checkpoint_kind\" : \"safetensors\""), manifest);
        String metrics = Files.readString(report.resolve("metrics.json"));
        assertTrue(metrics.contains("\"layout\" : \"interleaved\"") && metrics.contains("prefix-predictions"),
                metrics);
        System.out.println(r.out());
    }
}
