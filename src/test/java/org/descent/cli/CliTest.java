package org.descent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.descent.util.Json;
import org.descent.util.RunFiles;
import org.descent.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: bad arguments fail with one line; runs write complete, reproducible, separate reports. */
class CliTest {
    static TestSupport.CliResult run(String... args) {
        return TestSupport.cli(args);
    }

    static void assertOneLineError(TestSupport.CliResult r, String fragment) {
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(fragment), r.err());
    }

    @Test
    void badArgumentsGiveOneLineErrors(@TempDir Path dir) throws IOException {
        String[] common = {"--models-dir", dir.resolve("m").toString(), "-q"}; // train's output options
        assertOneLineError(run(concat(new String[] {"train", "--d", "0"}, common)), "d must be a positive integer");
        assertOneLineError(run(concat(new String[] {"train", "--n", "-1"}, common)), "n (context examples)");
        assertOneLineError(run(concat(new String[] {"train", "--batch", "0"}, common)), "batch size");
        assertOneLineError(run(concat(new String[] {"train", "--steps", "0"}, common)), "steps");
        assertOneLineError(run(concat(new String[] {"train", "--lr", "-1"}, common)), "learning rate");
        assertOneLineError(run(concat(new String[] {"train", "--noise", "-0.5"}, common)), "noise");
        assertOneLineError(run(concat(new String[] {"train", "--steps", "ten"}, common)), "ten");
        assertOneLineError(run(concat(new String[] {"train", "--device", "tpu"}, common)), "tpu");
        assertOneLineError(run("verify", "--no-such-option"), "no-such-option");
        Path cfg = Files.writeString(dir.resolve("c.json"), "{\"train\": {\"lr\": 1e-3, \"momentum\": 0.9}}");
        assertOneLineError(run(concat(new String[] {"train", "--config", cfg.toString()}, common)), "momentum");
        String[] reports = {"--reports-dir", dir.resolve("r").toString()}; // compare writes a report only
        assertOneLineError(run(concat(new String[] {"compare", "--checkpoint", dir.resolve("nope").toString()},
                reports)), "no such checkpoint folder");
        assertOneLineError(run(concat(new String[] {"compare", "--checkpoint", dir.toString()}, reports)),
                "not a descent checkpoint");
        assertTrue(!Files.exists(dir.resolve("m")) || isEmpty(dir.resolve("m")), "nothing written on bad input");
    }

    @Test
    void verifyWritesACompleteReportAndIsReproducible(@TempDir Path dir) throws IOException {
        Path cfg = Files.writeString(dir.resolve("small.json"), "{\"task\": {\"d\": 4, \"n\": 8},"
                + " \"train\": {\"steps\": 150, \"batchSize\": 256, \"lr\": 0.005, \"seed\": 3},"
                + " \"eval\": {\"testPrompts\": 500, \"searchPrompts\": 2000}}");
        String[] args = {"verify", "--config", cfg.toString(), "--models-dir", dir.resolve("models").toString(),
            "--reports-dir", dir.resolve("reports").toString(), "-q"};
        TestSupport.CliResult first = run(args);
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("verdict:"), first.out());
        TestSupport.CliResult second = run(args);
        assertEquals(0, second.code(), second.err());

        List<Path> reports = list(dir.resolve("reports"));
        assertEquals(2, reports.size(), "two runs, two report folders: " + reports);
        JsonNode a = Json.mapper().readTree(reports.get(0).resolve("metrics.json").toFile());
        JsonNode b = Json.mapper().readTree(reports.get(1).resolve("metrics.json").toFile());
        for (String key : List.of("eta_star", "mse.trained", "mse.gd", "mse.zero", "mse.ols", "preds_diff",
                "model_diff", "model_cos", "interpolation_mse", "gamma_eff_scalar", "gamma_eff_residual")) {
            assertEquals(RunFiles.value(a, key), RunFiles.value(b, key), 0.0, "same seed, same " + key);
        }
        for (String f : List.of("report.md", "report.html", "metrics.json", "manifest.json")) {
            assertTrue(Files.size(reports.get(0).resolve(f)) > 0, f);
        }
        String html = Files.readString(reports.get(0).resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64,"), "figures are inlined");
        JsonNode manifest = Json.mapper().readTree(reports.get(0).resolve("manifest.json").toFile());
        for (String key : List.of("schema_version", "run_id", "kind", "command", "config", "seeds", "inputs",
                "files", "provenance", "timings", "details")) {
            assertTrue(manifest.has(key), "manifest.json lacks " + key);
        }
        assertEquals("checkpoint", manifest.at("/inputs/0/role").asText());
        assertTrue(manifest.get("provenance").has("git_commit"));
        assertTrue(manifest.get("provenance").has("descent_version"));
        assertTrue(manifest.get("provenance").has("device"));

        Path checkpoint = list(dir.resolve("models")).get(0);
        TestSupport.CliResult compare = run("compare", "--checkpoint", checkpoint.toString(), "--reports-dir",
                dir.resolve("reports").toString(), "--test-prompts", "500", "--fail-on", "unsupported");
        // --fail-on unsupported: exit 8 exactly when the printed verdict is not CONSISTENT
        boolean consistent = compare.out().contains("verdict: CONSISTENT with");
        assertEquals(consistent ? 0 : Main.EXIT_VERDICT, compare.code(), compare.out() + compare.err());
        assertEquals(!consistent, compare.err().contains("matches --fail-on unsupported"), compare.err());
        assertEquals(3, list(dir.resolve("reports")).size());

        TestSupport.CliResult resume = run("train", "--resume", checkpoint.toString(), "--steps", "160", "--models-dir",
                dir.resolve("models").toString(), "-q");
        assertEquals(0, resume.code(), resume.err());
        assertTrue(resume.out().contains("resuming"), resume.out());
        assertTrue(resume.out().contains("cosine schedule now spans 160 steps"), resume.out());
        assertOneLineError(run("train", "--resume", checkpoint.toString(), "--seed", "4", "--models-dir",
                dir.resolve("models").toString(), "-q"), "keeps the checkpoint's seed");
        assertOneLineError(run("train", "--resume", checkpoint.toString(), "--steps", "100", "--models-dir",
                dir.resolve("models").toString(), "-q"), "beyond the requested 100 steps");
    }

    @Test
    void reproduceListsPresetsAndRejectsUnknownOnes() {
        TestSupport.CliResult list = run("reproduce", "--list");
        assertEquals(0, list.code(), list.err());
        for (String p : List.of("von-oswald-single-layer", "von-oswald-multi-layer", "ahn-preconditioned",
                "mahankali-nonlinear", "garg-curves")) {
            assertTrue(list.out().contains(p), list.out());
        }
        assertOneLineError(run("reproduce", "nonsense-preset"), "unknown preset");
        assertOneLineError(run("reproduce", "garg-curves", "--seeds", "0"), "--seeds");
    }

    @Test
    void benchPrintsJson() throws IOException {
        TestSupport.CliResult r = run("bench", "--json", "--measure", "5", "--warmup-steps", "1", "--batch", "64");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        assertTrue(j.get("train_step_ms_median").asDouble() > 0);
        assertTrue(j.get("peak_rss_mb").asDouble() > 0);
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    static boolean isEmpty(Path dir) throws IOException {
        return list(dir).isEmpty();
    }

    static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
