package org.descent.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.descent.TestSupport;
import org.descent.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep spec: expansion into cells, ranges, zipped axes, seeds, and every malformed spec refused up front. */
class SweepSpecTest {
    @TempDir Path tmp;

    private static SweepSpec parse(String json) throws Exception {
        return SweepSpec.parse(Json.mapper().readTree(json), "t");
    }

    private static String error(String json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            SweepSpec s = parse(json);
            s.validateConfigs(s.cells());
        });
        return e.getMessage();
    }

    @Test
    void expandsAxesThenSeedsInnermost() throws Exception {
        SweepSpec s = parse("{\"base\": {\"train\": {\"seed\": 5, \"steps\": 10}}, \"axes\": {\"task.n\": [10, 20], "
                + "\"task.d\": {\"from\": 5, \"to\": 10, \"step\": 5}}, \"seeds\": 3}");
        List<Cell> cells = s.cells();
        assertEquals(12, cells.size());
        assertEquals("task.n=10 task.d=5 seed=5", cells.get(0).label());
        assertEquals("task.n=10 task.d=5 seed=7", cells.get(2).label());
        assertEquals("task.n=10 task.d=10 seed=5", cells.get(3).label());
        assertEquals("task.n=20 task.d=10 seed=7", cells.get(11).label());
        JsonNode c = cells.get(11).config();
        assertEquals(20, c.path("task").path("n").asInt());
        assertEquals(10, c.path("task").path("d").asInt());
        assertEquals(7, c.path("train").path("seed").asInt());
        assertEquals(10, c.path("train").path("steps").asInt(), "the base is kept");
        s.validateConfigs(cells);
    }

    @Test
    void zipAdvancesTogetherAndOptionsBecomeArguments() throws Exception {
        SweepSpec s = parse("{\"zip\": [{\"model.layers\": [1, 2, 3], \"train.lr\": [0.001, 0.0005, 0.0002]}], "
                + "\"axes\": {\"--test-prompts\": [100, 200]}}");
        List<Cell> cells = s.cells();
        assertEquals(6, cells.size());
        assertEquals(List.of("--test-prompts", "100"), cells.get(0).args());
        assertEquals(1, cells.get(0).config().path("model").path("layers").asInt());
        assertEquals(3, cells.get(2).config().path("model").path("layers").asInt());
        assertEquals(List.of("--test-prompts", "200"), cells.get(4).args());
        assertEquals(0.0002, cells.get(2).config().path("train").path("lr").asDouble());
    }

    @Test
    void rangesByCountAndLogScale() throws Exception {
        List<JsonNode> v = SweepSpec.values(Json.mapper().readTree("{\"from\": 0.001, \"to\": 0.1, \"count\": 3, "
                + "\"scale\": \"log\"}"), "x");
        assertEquals(3, v.size());
        TestSupport.assertNear(v.get(1).asDouble(), 0.01, 1e-9, "geometric middle");
        List<JsonNode> w = SweepSpec.values(Json.mapper().readTree("{\"from\": 0.5, \"to\": 1.0, \"step\": 0.25}"), "x");
        assertEquals(List.of(0.5, 0.75, 1.0), w.stream().map(JsonNode::asDouble).toList());
    }

    @Test
    void conditionNumberBecomesGaussianEigenvalues() throws Exception {
        SweepSpec s = parse("{\"base\": {\"task\": {\"d\": 4}}, \"axes\": {\"" + SweepSpec.CONDITION_NUMBER
                + "\": [1, 100]}}");
        List<Cell> cells = s.cells();
        s.validateConfigs(cells);
        JsonNode ev = cells.get(1).config().path("task").path("covariance").path("eigenvalues");
        assertEquals(4, ev.size());
        TestSupport.assertNear(ev.get(0).asDouble() / ev.get(3).asDouble(), 100, 1e-9, "condition number");
        double sum = 0;
        for (JsonNode e : ev) {
            sum += e.asDouble();
        }
        TestSupport.assertNear(sum, 4, 1e-9, "trace d");
        assertEquals("gaussian", cells.get(1).config().path("task").path("inputs").asText());
    }

    @Test
    void malformedSpecsAreRefusedNamingTheProblem() {
        assertTrue(error("{\"axis\": {}}").contains("unknown key \"axis\""));
        assertTrue(error("{\"axes\": {\"task.d\": []}}").contains("at least one value"));
        assertTrue(error("{\"axes\": {\"task.d\": {\"from\": 5, \"to\": 1, \"step\": 1}}}").contains("empty range"));
        assertTrue(error("{\"axes\": {\"task.dd\": [1]}}").contains("unknown key \"task.dd\""));
        assertTrue(error("{\"axes\": {\"size\": [1]}}").contains("unknown key \"size\""));
        assertTrue(error("{\"axes\": {\"task.d\": [\"five\"]}}").contains("task.d"));
        assertTrue(error("{\"axes\": {\"task.d\": [5.5]}}").contains("task.d"));
        assertTrue(error("{\"zip\": [{\"task.d\": [1, 2], \"task.n\": [3]}]}").contains("one length"));
        assertTrue(error("{\"args\": [\"--reports-dir\", \"x\"]}").contains("set by the sweep"));
        assertTrue(error("{\"command\": \"probe\", \"axes\": {\"task.d\": [1]}}").contains("takes no experiment config"));
        assertTrue(error("{\"command\": \"trian\"}").contains("\"command\""));
        assertTrue(error("{\"seeds\": 0}").contains("\"seeds\""));
        assertTrue(error("{\"seeds\": 2, \"axes\": {\"train.seed\": [1, 2]}}").contains("already an axis"));
        assertTrue(error("{\"axes\": {\"task.d\": [1], \"task.n\": [2]}, \"report\": {\"x\": \"task.m\"}}")
                .contains("not an axis"));
    }

    @Test
    void planChecksEveryCellWithTheCommandsOwnParsingAndWritesNothing() throws Exception {
        Path spec = tmp.resolve("bad.json");
        Files.writeString(spec, "{\"axes\": {\"--test-prompt\": [10]}}");
        TestSupport.CliResult r = TestSupport.cli("sweep", "run", spec.toString(), "--sweep-dir",
                tmp.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("unknown option '--test-prompt'") && r.err().contains("--test-prompts"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written before the spec is known good");

        Files.writeString(spec, "{\"axes\": {\"task.d\": [3, -1]}}");
        r = TestSupport.cli("sweep", "plan", spec.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("cell 0001"), r.err());

        r = TestSupport.cli("sweep", "plan", "example:verify-d-n");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("12 cell(s)") && r.out().contains("estimated cost"), r.out());
    }
}
