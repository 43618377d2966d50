package org.descent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.descent.TestSupport;
import org.descent.experiment.ExperimentConfig;
import org.descent.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The command line itself: typo suggestions, --version, each command's options and their defaults, precedence. */
class CommandLineTest {
    private static CommandLine cli() {
        return Main.commandLine();
    }

    private static Set<String> options(String command) {
        Set<String> names = new TreeSet<>();
        cli().getSubcommands().get(command).getCommandSpec().options().forEach(o -> names.add(o.longestName()));
        return names;
    }

    @Test
    void typosGetTheClosestNameAndExit2() {
        CliTest.assertOneLineError(TestSupport.cli("verfy"), "unknown command 'verfy'; did you mean 'verify'?");
        CliTest.assertOneLineError(TestSupport.cli("verify", "--seds", "3"),
                "unknown option '--seds'; did you mean '--seeds'?");
        CliTest.assertOneLineError(TestSupport.cli("reproduce", "garg-curvs"),
                "unknown preset 'garg-curvs'; did you mean 'garg-curves'?");
        CliTest.assertOneLineError(TestSupport.cli("reproduce", "von-oswald"),
                "did you mean 'von-oswald-single-layer' or 'von-oswald-multi-layer'?");
        CliTest.assertOneLineError(TestSupport.cli("probs"), "did you mean 'probe' or 'probes'?");
        // nothing close: no guess
        TestSupport.CliResult far = TestSupport.cli("frobnicate");
        CliTest.assertOneLineError(far, "unknown command 'frobnicate'");
        assertFalse(far.err().contains("did you mean"), far.err());
    }

    @Test
    void suggestionsRankByEditDistance() {
        assertEquals(List.of("verify"), Suggestions.closest("verfiy", List.of("verify", "train", "compare")));
        assertEquals(List.of("--seeds"), Suggestions.closest("--seds", List.of("--seed", "--seeds", "-q")));
        assertEquals(List.of(), Suggestions.closest("-x", List.of("-q", "-h", "-V")), "too short to guess");
        assertEquals(1, Suggestions.distance("verfiy", "verify"), "a transposition is one edit");
        assertEquals(3, Suggestions.distance("kitten", "sitting"));
    }

    @Test
    void versionNamesTheVersionAndTheCommit() {
        TestSupport.CliResult r = TestSupport.cli("--version");
        assertEquals(0, r.code(), r.err());
        String line = r.out().strip();
        assertTrue(line.matches("descent \\d+\\.\\d+\\.\\d+\\S* \\(commit .+\\)"), line);
        if (Files.exists(Path.of(".git"))) { // built from a git checkout: the commit is known
            assertTrue(line.matches("descent \\S+ \\(commit [0-9a-f]{40}( with uncommitted changes)?\\)"), line);
        }
        assertTrue(TestSupport.cli("verify", "--version").out().strip().equals(line), "every command says the same");
    }

    @Test
    void eachCommandListsOnlyTheOptionsItUses() {
        Set<String> task = Set.of("--config", "--seed", "--d", "--n", "--inputs", "--input-scale", "--noise", "--family",
                "--family-parameter", "--class-separation");
        Set<String> model = Set.of("--layers", "--tied", "--init-scale", "--batch", "--lr", "--schedule", "--warmup",
                "--clip-norm");
        Set<String> training = Set.of("--steps", "--checkpoint-every");
        Map<String, Set<String>> absent = Map.of(
                "dataset", union(model, training, Set.of("--test-prompts", "--models-dir", "--reports-dir", "--quiet")),
                "bench", union(training, Set.of("--test-prompts", "--models-dir", "--reports-dir", "--quiet")),
                "train", Set.of("--test-prompts", "--reports-dir", "--fail-on"),
                "compare", union(task, model, training, Set.of("--models-dir", "--quiet")).stream()
                        .filter(n -> !n.equals("--seed")).collect(java.util.stream.Collectors.toSet()), // its own
                "probe", union(model, training, Set.of("--config", "--models-dir")),
                "reproduce", union(task, model, training, Set.of("--skip-memory-check")),
                "calibrate", Set.of("--skip-memory-check", "--models-dir", "--fail-on"));
        Map<String, Set<String>> present = Map.of(
                "dataset", task,
                "bench", union(task, model),
                "train", union(task, model, training, Set.of("--models-dir", "--quiet")),
                "verify", union(task, model, training, Set.of("--test-prompts", "--models-dir", "--reports-dir",
                        "--quiet", "--fail-on", "--seeds", "--no-cache")),
                "compare", Set.of("--test-prompts", "--reports-dir", "--fail-on"),
                "probe", Set.of("--reports-dir", "--quiet", "--fail-on", "--fail-on-hypotheses"),
                "reproduce", Set.of("--models-dir", "--reports-dir", "--quiet", "--fail-on", "--no-cache"));
        absent.forEach((cmd, names) -> {
            Set<String> listed = options(cmd);
            for (String n : names) {
                assertFalse(listed.contains(n), cmd + " lists " + n + ", which it does not use");
            }
        });
        present.forEach((cmd, names) -> assertTrue(options(cmd).containsAll(names), cmd + ": " + options(cmd)));
    }

    @Test
    void everyDefaultIsShownAndIsTheRealDefault() {
        ExperimentConfig d = ExperimentConfig.defaults();
        Map<String, String> expected = ExperimentDefaults.defaults();
        assertEquals(Integer.toString(d.train().steps()), expected.get("--steps"));
        assertEquals(d.train().lr(), Double.parseDouble(expected.get("--lr")));
        assertEquals(d.task().inputScale(), Double.parseDouble(expected.get("--input-scale")));
        for (Map.Entry<String, CommandLine> e : cli().getSubcommands().entrySet()) {
            String usage = e.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                String value = o.defaultValueString();
                if (value == null || value.equals("null") || o.usageHelp() || o.versionHelp() || (o.arity().max() == 0 && !o.longestName()
                        .equals("--tied"))) {
                    continue; // no default, or a flag that is off unless given
                }
                String desc = String.join(" ", o.description());
                assertTrue(desc.contains("${DEFAULT-VALUE}") || desc.contains("default " + value)
                        || desc.contains("default: " + value), e.getKey() + " " + o.longestName()
                                + " does not show its default " + value + ": " + desc);
                if (expected.containsKey(o.longestName()) && !e.getKey().equals("probe")) {
                    assertEquals(expected.get(o.longestName()), value, e.getKey() + " " + o.longestName());
                    assertTrue(usage.contains("(default: " + value + ")"), e.getKey() + " " + o.longestName());
                }
            }
        }
    }

    /** Command line over config file over defaults. */
    @Test
    void optionsOverrideTheConfigFileWhichOverridesTheDefaults(@TempDir Path dir) throws IOException {
        Path cfg = Files.writeString(dir.resolve("c.json"), "{\"task\": {\"d\": 3, \"n\": 5}, \"train\": {\"steps\": "
                + "50, \"batchSize\": 16, \"seed\": 7, \"schedule\": \"constant\"}}");
        TestSupport.CliResult r = TestSupport.cli("train", "--config", cfg.toString(), "--steps", "4", "--d", "2",
                "--models-dir", dir.resolve("m").toString(), "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode m = Json.mapper().readTree(CliTest.list(dir.resolve("m")).get(0).resolve("manifest.json").toFile());
        assertEquals(2, m.get("task").get("d").asInt(), "option over file");
        assertEquals(5, m.get("task").get("n").asInt(), "file over default");
        assertEquals(4, m.get("train").get("steps").asInt(), "option over file");
        assertEquals(16, m.get("train").get("batchSize").asInt(), "file over default");
        assertEquals(7, m.get("train").get("seed").asLong(), "file over the default seed shown in the help");
        assertEquals("constant", m.get("train").get("schedule").asText());
        assertEquals(ExperimentConfig.defaults().train().lr(), m.get("train").get("lr").asDouble(), 0.0,
                "default where neither says");
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> out = new TreeSet<>();
        for (Set<String> s : sets) {
            out.addAll(s);
        }
        return out;
    }
}
