package org.descent.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The building blocks of the output schema: keys, records, manifests and npz files. */
class SchemaTest {

    @Test
    void labelsBecomeMachineReadableKeys() {
        assertEquals("ridge_lambda_0_0100", Schema.slug("ridge(λ=0.0100)"));
        assertEquals("gd_eta_star", Schema.slug("GD(η*)"));
        assertEquals("3_nn", Schema.slug("3-NN"));
        assertEquals("gamma_eff_eta_star_i_f_eta_star_i_f", Schema.slug("‖Γ_eff − η*I‖_F / ‖η*I‖_F"));
        assertEquals("gd-alignment", Schema.segment("gd-alignment"), "a key segment stays as it is");
        assertEquals("baselines.ols.relative_spd", Schema.key("baselines", "OLS", "relative_spd"));
        assertTrue(Schema.isKey("mse.relative_gap"));
        for (String bad : new String[] {"", "Mse", "a..b", ".a", "a b", "ridge(λ=0.01)", "x.", null}) {
            assertFalse(Schema.isKey(bad), String.valueOf(bad));
        }
    }

    @Test
    void metricsAreNumericRecordsWithUniqueKeys() throws IOException {
        RunMetrics m = new RunMetrics("r1", "verify").verdict("consistent");
        m.metric("preds_diff", "preds diff", 0.5).interval(0.4, 0.6, 0.95, Schema.PROMPT_BOOTSTRAP)
                .check(Schema.AT_MOST, 0.05, Schema.FAIL);
        m.metric("broken", "a NaN", Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> m.metric("preds_diff", "again", 1));
        assertThrows(IllegalArgumentException.class, () -> m.metric("Not A Key", "x", 1));
        assertThrows(IllegalArgumentException.class, () -> m.metric("x", "x", 1).check("≤", 1, Schema.PASS));
        m.flatten("probe", "probe", Map.of("OLS", Map.of("relative_spd", 0.25), "gamma", new double[][] {{1, 2},
            {3, 4}}, "method", "closed form", "list", List.of(1, 2, 3)));
        JsonNode json = Json.mapper().readTree(Json.write(m.toMap()));
        assertEquals(Schema.VERSION, json.get("schema_version").asInt());
        Map<String, JsonNode> records = RunFiles.records(json);
        JsonNode pd = records.get("preds_diff");
        assertEquals(0.05, pd.get("tolerance").asDouble(), 0.0, "tolerances are numbers");
        assertEquals("at_most", pd.get("comparison").asText());
        assertEquals("fail", pd.get("outcome").asText());
        assertTrue(records.get("broken").get("value").isNull(), "NaN is written as null");
        assertEquals(0.25, records.get("probe.ols.relative_spd").get("value").asDouble(), 0.0);
        assertEquals("probe: OLS.relative_spd", records.get("probe.ols.relative_spd").get("label").asText());
        assertEquals("closed form", json.at("/details/probe/method").asText(), "texts go to details");
        List<String> arrays = json.get("arrays").findValuesAsText("key");
        assertTrue(arrays.containsAll(List.of("probe.gamma", "probe.list")), arrays.toString());
    }

    @Test
    void manifestsHaveTheCommonFields() throws IOException {
        RunManifest m = new RunManifest("r1", "probe", List.of("descent", "probe"), Map.of("a", 1), Map.of("git_commit",
                "x"));
        JsonNode json = Json.mapper().readTree(Json.write(m.toMap()));
        assertEquals(List.of("schema_version", "run_id", "kind", "command", "config", "seeds", "inputs", "files",
                "provenance", "timings", "details"), iterable(json.fieldNames()));
        assertThrows(IllegalArgumentException.class, () -> new RunManifest("r", "nonsense", null, null, Map.of()));
    }

    @Test
    void npzRoundTripsEveryDtypeAndIsByteReproducible(@TempDir Path dir) {
        Npz npz = new Npz().put("a.f64", new double[][] {{1.5, -2}, {Double.NaN, 1e-300}})
                .put("b-f32", Npz.Array.of(new float[] {1f, 2f, 3f}, 3, 1))
                .put("c_i32", Npz.Array.of(new int[] {7, -8}, 2))
                .put("scalar", 2.5);
        npz.write(dir.resolve("x.npz"));
        npz.write(dir.resolve("y.npz"));
        assertEquals(AtomicFiles.sha256(dir.resolve("x.npz")), AtomicFiles.sha256(dir.resolve("y.npz")));
        Map<String, Npz.Array> back = Npz.read(dir.resolve("x.npz"));
        assertEquals(List.of("a.f64", "b-f32", "c_i32", "scalar"), List.copyOf(back.keySet()));
        assertArrayEquals(new double[] {1.5, -2, Double.NaN, 1e-300}, back.get("a.f64").doubles(), 0.0);
        assertArrayEquals(new long[] {2, 2}, back.get("a.f64").shape());
        assertEquals("float32", back.get("b-f32").dtype());
        assertArrayEquals(new long[] {3, 1}, back.get("b-f32").shape());
        assertArrayEquals(new int[] {7, -8}, back.get("c_i32").ints());
        assertArrayEquals(new long[0], back.get("scalar").shape());
        assertThrows(IllegalArgumentException.class, () -> new Npz().put("bad name", 1.0));
        assertThrows(IllegalArgumentException.class, () -> new Npz().put("a", 1.0).put("a", 2.0));
        assertThrows(IllegalArgumentException.class, () -> Npz.Array.of(new double[3], 2, 2));
    }

    @Test
    void aFileThatIsNoNpzIsRefusedWithItsName(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("x.npz"), "not a zip");
        String msg = assertThrows(IllegalArgumentException.class, () -> Npz.read(f)).getMessage();
        assertTrue(msg.contains(f.toString()), msg);
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
