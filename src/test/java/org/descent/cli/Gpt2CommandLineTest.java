package org.descent.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.descent.TestSupport;
import org.descent.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --arch gpt2} on the command line: options of the other architecture refused, the folder, re-run by config. */
class Gpt2CommandLineTest {

    @Test
    void optionsOfTheOtherArchitectureAreUsageErrors(@TempDir Path dir) {
        String models = dir.resolve("m").toString();
        Object[][] cases = {
            {new String[] {"train", "--heads", "2", "--models-dir", models}, "--heads does not apply to --arch lsa"},
            {new String[] {"train", "--arch", "gpt2", "--tied", "--models-dir", models}, "--tied does not apply"},
            {new String[] {"train", "--arch", "gpt2", "--init-scale", "0.2", "--models-dir", models},
                "--init-scale does not apply"},
            {new String[] {"train", "--curriculum", "dims=1:2:1:10", "--models-dir", models},
                "--curriculum applies to --arch gpt2"},
            {new String[] {"train", "--arch", "gpt2", "--d", "3", "--curriculum", "dims=1:5:1:10", "--models-dir",
                models}, "exceeds the task's d=3"},
            {new String[] {"train", "--arch", "gpt2", "--width", "63", "--models-dir", models}, "multiple"},
            {new String[] {"train", "--arch", "gpt3", "--models-dir", models}, "--arch must be one of"},
            {new String[] {"train", "--arch", "gpt2", "--layout", "spiral", "--models-dir", models},
                "unknown prompt layout"},
            {new String[] {"verify", "--arch", "gpt2", "--models-dir", models}, "descent train --arch gpt2"},
        };
        for (Object[] c : cases) {
            TestSupport.CliResult r = TestSupport.cli((String[]) c[0]);
            assertEquals(2, r.code(), String.join(" ", (String[]) c[0]) + ": " + r.err());
            assertTrue(r.err().contains((String) c[1]), r.err());
        }
        assertTrue(!Files.exists(dir.resolve("m")) || dir.resolve("m").toFile().list().length == 0, "nothing written");
    }

    @Test
    void trainWritesTheFolderAndItsManifestReRunsIt(@TempDir Path dir) throws IOException {
        String[] args = {"train", "--arch", "gpt2", "--layers", "1", "--heads", "1", "--width", "8", "--d", "2", "--n",
            "3", "--batch", "8", "--steps", "6", "--curriculum", "points=2:3:1:3", "--models-dir",
            dir.resolve("a").toString(), "-q"};
        TestSupport.CliResult r = TestSupport.cli(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| k | GPT-2 | OLS |"), r.out());
        Path a = CliTest.list(dir.resolve("a")).get(0);
        for (String f : List.of("model.safetensors", "config.json", "model.safetensors.task.json", "state.safetensors",
                "manifest.json", "metrics.json", "report.md")) {
            assertTrue(Files.isRegularFile(a.resolve(f)), f);
        }
        JsonNode config = Json.mapper().readTree(a.resolve("config.json").toFile());
        assertEquals("gpt2", config.get("arch").asText());
        assertEquals(7, config.get("positions").asInt(), "default positions: the interleaved length 2N+1");
        assertEquals(2, config.get("inputWidth").asInt());
        assertEquals("interleaved", config.get("layout").asText());
        JsonNode manifest = Json.mapper().readTree(a.resolve("manifest.json").toFile());
        assertEquals(1, manifest.get("schema_version").asInt());
        assertEquals("descent-gpt2-checkpoint/1", manifest.at("/details/format").asText());
        assertEquals(2, manifest.at("/config/train/curriculum/points/start").asInt());
        JsonNode metrics = Json.mapper().readTree(a.resolve("metrics.json").toFile());
        assertEquals(4, metrics.get("series").get(0).get("x").size(), "k = 0..N");
        TestSupport.CliResult again = TestSupport.cli("train", "--config", a.resolve("manifest.json").toString(),
                "--models-dir", dir.resolve("b").toString(), "-q");
        assertEquals(0, again.code(), again.err());
        Path b = CliTest.list(dir.resolve("b")).get(0);
        assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")),
                Files.readAllBytes(b.resolve("model.safetensors")), "--config manifest.json repeats the run");
    }
}
