package org.descent.cli;

import static org.descent.TestSupport.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.descent.TestSupport;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.Workspace;
import org.descent.experiment.reproduce.PresetRun;
import org.descent.experiment.reproduce.ReproductionReport;
import org.descent.experiment.reproduce.VonOswaldSingleLayer;
import org.descent.util.Npz;
import org.descent.util.RunFiles;
import org.descent.util.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every kind of run writes the one output schema (README, "Output schema"), and what it writes is enough to redo its
 * statistics outside Java: small verify, reproduce (von-oswald-single-layer on the small config), probe and dataset
 * runs, checked field by field, re-run from their manifest, and recomputed by the README's numpy snippet and the
 * pandas loader (/usr/bin/python3; installed through scripts/ensure-numpy.sh when missing).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutputSchemaTest {
    /** numpy and Java sum in other orders: relative agreement of recomputed statistics. */
    static final double RECOMPUTE_TOLERANCE = 1e-12;
    /** Float32 labels against the float64 w·x_q from the recorded float32 task vectors. */
    static final double FLOAT32_LABEL_TOLERANCE = 1e-5;
    /** The float64 torch module against descent's float64 forward pass (other summation order). */
    static final double TORCH_TOLERANCE = 1e-10;
    static final String SMALL = "{\"task\": {\"d\": 4, \"n\": 8}, \"train\": {\"steps\": 150, \"batchSize\": 256, "
            + "\"lr\": 0.005, \"seed\": 3}, \"eval\": {\"testPrompts\": 500, \"searchPrompts\": 2000}}";

    Path dir;
    Path verify;
    Path reproduce;
    Path probe;
    Path calibrate;
    Path dataset;
    Path checkpoint;
    Path compare;

    @BeforeAll
    void runs() throws IOException {
        dir = Files.createTempDirectory("descent-schema");
        Path cfg = Files.writeString(dir.resolve("small.json"), SMALL);
        TestSupport.CliResult v = TestSupport.cli("verify", "--config", cfg.toString(), "--models-dir",
                dir.resolve("models").toString(), "--reports-dir", dir.resolve("verify").toString(), "-q");
        assertEquals(0, v.code(), v.err());
        verify = only(dir.resolve("verify"));
        checkpoint = only(dir.resolve("models"));

        Workspace ws = new Workspace(dir.resolve("models-reproduce"), dir.resolve("reproduce"), Device.cpu());
        try (PresetRun run = new PresetRun(ws, List.of(0L), new PrintWriter(new StringWriter()), s -> (a, b, c) -> { })) {
            reproduce = ReproductionReport.run(new VonOswaldSingleLayer(ExperimentConfig.load(cfg)), run).report();
        }

        Path suite = Files.writeString(dir.resolve("suite.json"), "{\"name\": \"schema\", \"testPrompts\": 400, "
                + "\"searchPrompts\": 500, \"bootstrapResamples\": 50, \"probes\": [{\"probe\": \"gd-alignment\"}]}");
        TestSupport.CliResult p = TestSupport.cli("probe", "--checkpoint", Path.of("models", "fixtures", "lsa_gd.pt")
                .toString(), "--suite", suite.toString(), "--probes-dir", dir.resolve("none").toString(),
                "--reports-dir", dir.resolve("probe").toString(), "-q");
        assertEquals(0, p.code(), p.out() + p.err());
        probe = only(dir.resolve("probe"));

        // one case and one probe: hypotheses the suite cannot reach stay inconclusive, so calibrate exits 7 (the
        // report is written all the same)
        TestSupport.CliResult c = TestSupport.cli("calibrate", "--fast", "--cases", "zero", "--no-coverage", "--suite",
                suite.toString(), "--reports-dir", dir.resolve("calibrate").toString(), "-q");
        assertTrue(c.code() == 0 || c.code() == CalibrateCommand.EXIT_MISCALIBRATED, c.out() + c.err());
        calibrate = only(dir.resolve("calibrate"));

        TestSupport.CliResult d = TestSupport.cli("dataset", "--config", cfg.toString(), "--name", "small", "--count",
                "300", "--datasets-dir", dir.resolve("datasets").toString());
        assertEquals(0, d.code(), d.err());
        dataset = dir.resolve("datasets").resolve("small");

        TestSupport.CliResult cmp = TestSupport.cli("compare", "--checkpoint", checkpoint.toString(), "--dataset",
                dataset.toString(), "--reports-dir", dir.resolve("compare").toString());
        assertEquals(0, cmp.code(), cmp.err());
        compare = only(dir.resolve("compare"));
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    static Path only(Path root) throws IOException {
        List<Path> l = CliTest.list(root);
        assertEquals(1, l.size(), l.toString());
        return l.get(0);
    }

    @Test
    void everyManifestHasTheCommonFields() {
        Map<Path, String> kinds = new LinkedHashMap<>();
        kinds.put(verify, "verify");
        kinds.put(reproduce, "reproduce");
        kinds.put(probe, "probe");
        kinds.put(calibrate, "calibrate");
        kinds.put(dataset, "dataset");
        kinds.put(compare, "compare");
        kinds.put(checkpoint, "train");
        kinds.forEach((folder, kind) -> {
            JsonNode m = RunFiles.json(folder, "manifest.json");
            for (String key : List.of("schema_version", "run_id", "kind", "command", "config", "provenance")) {
                assertTrue(m.has(key), folder + ": manifest lacks " + key);
            }
            assertEquals(Schema.VERSION, m.get("schema_version").asInt());
            assertEquals(kind, m.get("kind").asText(), folder.toString());
            assertTrue(m.at("/provenance/descent_version").isTextual() && m.at("/provenance/git_commit").isTextual(),
                    folder + ": " + m.get("provenance"));
            assertTrue(m.get("config").isObject(), folder + ": config");
        });
        for (Path folder : List.of(verify, probe, calibrate, dataset, checkpoint)) {
            JsonNode command = RunFiles.json(folder, "manifest.json").get("command");
            assertEquals("descent", command.get(0).asText(), folder + ": the full command line " + command);
        }
        assertEquals("--checkpoint", RunFiles.json(probe, "manifest.json").at("/command/2").asText());
        assertTrue(RunFiles.json(reproduce, "manifest.json").get("command").isNull(), "started from Java code");
        for (Path folder : List.of(verify, reproduce, probe, calibrate)) {
            JsonNode m = RunFiles.json(folder, "manifest.json");
            for (String key : List.of("seeds", "inputs", "files", "timings", "details")) {
                assertTrue(m.has(key), folder + ": report manifest lacks " + key);
            }
            m.get("files").fields().forEachRemaining(f -> assertEquals(org.descent.util.AtomicFiles.sha256(
                    folder.resolve(f.getKey())), f.getValue().asText(), folder + ": checksum of " + f.getKey()));
        }
    }

    @Test
    void everyMetricsFileHasOneLayout() {
        Set<String> comparisons = Set.of(Schema.AT_LEAST, Schema.AT_MOST, Schema.WITHIN);
        Set<String> outcomes = Set.of(Schema.PASS, Schema.FAIL, Schema.INCONCLUSIVE);
        for (Path folder : List.of(verify, reproduce, probe, calibrate)) {
            JsonNode m = RunFiles.json(folder, "metrics.json");
            assertEquals(List.of("schema_version", "run_id", "kind", "verdict", "metrics", "verdicts", "series",
                    "arrays", "details"), fields(m), folder.toString());
            assertEquals(RunFiles.json(folder, "manifest.json").get("run_id"), m.get("run_id"));
            int checks = 0;
            for (JsonNode r : m.get("metrics")) {
                assertTrue(Schema.isKey(r.get("key").asText()), folder + ": key " + r.get("key"));
                assertTrue(r.get("label").isTextual(), folder + ": label of " + r.get("key"));
                assertTrue(r.get("value").isNumber() || r.get("value").isNull(), folder + ": value of " + r);
                if (r.has("comparison")) {
                    checks++;
                    assertTrue(comparisons.contains(r.get("comparison").asText()), r.toString());
                    assertTrue(outcomes.contains(r.get("outcome").asText()), r.toString());
                    assertTrue(r.get("tolerance").isNumber(), "tolerances are numbers: " + r);
                    assertTrue(r.has("lower") && r.has("upper") && r.has("level"), r.toString());
                }
            }
            assertTrue(checks >= 3 || folder.equals(calibrate), folder + ": tested records " + checks);
            for (JsonNode v : m.get("verdicts")) {
                assertTrue(Schema.isKey(v.get("key").asText()) && v.get("outcome").isTextual(), v.toString());
            }
        }
        JsonNode cal = RunFiles.json(calibrate, "metrics.json");
        assertTrue(List.of("passed", "failed").contains(cal.get("verdict").asText()), cal.get("verdict").toString());
        int falseConsistent = 0;
        for (JsonNode v : cal.get("verdicts")) {
            falseConsistent += v.get("outcome").asText().equals("consistent")
                    && v.get("expected").asText().equals("inconsistent") ? 1 : 0;
        }
        assertEquals(falseConsistent, RunFiles.value(cal, "false_consistent"), 0.0, "the count matches the verdicts");
        assertEquals("inconsistent", cal.at("/verdicts/0/expected").asText(), "zero is no GD step: " + cal.at(
                "/verdicts/0"));
        JsonNode rep = RunFiles.records(RunFiles.json(reproduce, "metrics.json")).get("gamma_eff_residual");
        assertEquals("‖Γ_eff − η*I‖_F / ‖η*I‖_F", rep.get("label").asText(), "the display label beside the key");
        assertEquals(0.05, rep.get("tolerance").asDouble(), 0.0);
        assertEquals(Schema.AT_MOST, rep.get("comparison").asText());
        assertEquals(Schema.EXACT, rep.get("interval").asText());
        assertNotNull(RunFiles.records(RunFiles.json(verify, "metrics.json")).get("baseline_mse.ridge_lambda_0_0100"));
    }

    /** {@code --config reports/<run>/manifest.json} re-runs the run: the same numbers. */
    @Test
    void aManifestReRunsItsRun() throws IOException {
        TestSupport.CliResult again = TestSupport.cli("verify", "--config", verify.resolve("manifest.json").toString(),
                "--models-dir", dir.resolve("models-again").toString(), "--reports-dir",
                dir.resolve("verify-again").toString(), "-q");
        assertEquals(0, again.code(), again.err());
        JsonNode a = RunFiles.json(verify, "metrics.json");
        JsonNode b = RunFiles.json(only(dir.resolve("verify-again")), "metrics.json");
        for (String key : List.of("eta_star", "mse.trained", "mse.gd", "preds_diff", "model_cos",
                "gamma_eff_residual")) {
            assertEquals(RunFiles.value(a, key), RunFiles.value(b, key), 0.0, key);
        }
    }

    /** The per-prompt outputs are what the statistics are made of, and the truth gives the targets. */
    @Test
    void npzFilesHoldWhatTheStatisticsAreMadeOf() {
        JsonNode m = RunFiles.json(verify, "metrics.json");
        Map<String, Npz.Array> p = Npz.read(verify.resolve("predictions.npz"));
        double[] trained = p.get("pred.trained").doubles();
        double[] gd = p.get("pred.gd").doubles();
        double[] y = p.get("targets").doubles();
        double pd = 0;
        double mse = 0;
        for (int b = 0; b < y.length; b++) {
            pd += Math.abs(trained[b] - gd[b]) / y.length;
            mse += (trained[b] - y[b]) * (trained[b] - y[b]) / y.length;
        }
        assertClose(new double[] {pd, mse}, new double[] {RunFiles.value(m, "preds_diff"),
            RunFiles.value(m, "mse.trained")}, RECOMPUTE_TOLERANCE, "preds diff, MSE from predictions.npz");
        double[] ols = p.get("baseline.ols").doubles();
        double mseOls = 0;
        for (int b = 0; b < y.length; b++) {
            mseOls += (ols[b] - y[b]) * (ols[b] - y[b]) / y.length;
        }
        assertEquals(RunFiles.value(m, "baseline_mse.ols"), mseOls, 1e-15, "OLS test MSE");
        assertEquals(List.of(500L, 4L), List.of(p.get("jac.trained").shape()[0], p.get("jac.trained").shape()[1]));
        double[] w = p.get("w").asDoubles();
        double[] tokens = p.get("tokens").asDoubles();
        for (int b = 0; b < y.length; b++) {
            double wx = 0;
            for (int k = 0; k < 4; k++) {
                wx += w[b * 4 + k] * tokens[(b * 9 + 8) * 5 + k];
            }
            assertEquals(y[b], wx, FLOAT32_LABEL_TOLERANCE * Math.max(1, Math.abs(y[b])), "w·x_q of prompt " + b);
        }
        Map<String, Npz.Array> weights = Npz.read(verify.resolve("weights.npz"));
        assertEquals(Set.of("layer0.W_Q", "layer0.W_K", "layer0.W_V", "layer0.P", "layer0.W_KQ", "layer0.W_PV",
                "layer0.Gamma_eff", "depth", "weight_tied"), weights.keySet());

        Map<String, Npz.Array> r = Npz.read(reproduce.resolve("predictions.npz"));
        for (String k : List.of("seed0.tokens", "seed0.targets", "seed0.w", "seed0.pred.trained", "seed0.pred.gd",
                "seed0.jac.trained", "seed0.jac.gd")) {
            assertTrue(r.containsKey(k), "reproduce predictions.npz lacks " + k + ": " + r.keySet());
        }
        assertTrue(Npz.read(reproduce.resolve("weights.npz")).containsKey("seed0.layer0.W_Q"));

        Map<String, Npz.Array> q = Npz.read(probe.resolve("predictions.npz"));
        for (String k : List.of("tokens", "targets", "w", "pred.model", "jac.model", "pred.gd_eta_star",
                "pred.pgd_gamma_star", "pred.ols", "jac.ols")) {
            assertTrue(q.containsKey(k), "probe predictions.npz lacks " + k + ": " + q.keySet());
        }
        Map<String, Npz.Array> ds = Npz.read(dataset.resolve("prompts.npz"));
        assertEquals(Set.of("tokens", "targets", "w"), ds.keySet());
        assertEquals(List.of(300L, 4L), List.of(ds.get("w").shape()[0], ds.get("w").shape()[1]));
    }

    /** A comparison on a frozen dataset records both inputs and carries the dataset's prompts and truth. */
    @Test
    void aComparisonOnADatasetKeepsItsTruth() {
        JsonNode m = RunFiles.json(compare, "manifest.json");
        assertEquals("checkpoint", m.at("/inputs/0/role").asText());
        assertEquals("dataset", m.at("/inputs/1/role").asText());
        assertEquals(org.descent.util.AtomicFiles.sha256(dataset.resolve("prompts.npz")),
                m.at("/inputs/1/sha256").asText());
        assertTrue(m.at("/seeds/test_prompts_seed").isNull(), "frozen prompts: no test seed");
        Map<String, Npz.Array> frozen = Npz.read(dataset.resolve("prompts.npz"));
        Map<String, Npz.Array> p = Npz.read(compare.resolve("predictions.npz"));
        assertClose(p.get("tokens").asDoubles(), frozen.get("tokens").asDoubles(), 0, "the dataset's tokens");
        assertClose(p.get("w").asDoubles(), frozen.get("w").asDoubles(), 0, "the dataset's truth");
        assertEquals(300, RunFiles.value(RunFiles.json(compare, "metrics.json"), "test_prompts"), 0.0);
    }

    /** The README quotes scripts/verify_from_npz.py verbatim. */
    @Test
    void readmeQuotesTheNumpySnippet() throws IOException {
        String script = Files.readString(Path.of("scripts", "verify_from_npz.py"));
        String readme = Files.readString(Path.of("README.md"));
        assertTrue(readme.contains("```python\n" + script + "```\n"), "README.md must quote scripts/verify_from_npz.py "
                + "verbatim in a ```python block");
        assertTrue(script.lines().count() <= 20, "the snippet stays short: " + script.lines().count() + " lines");
    }

    /** The numpy snippet recomputes Γ_eff, the preds diff and every error-vs-k curve from the npz files alone. */
    @Test
    void numpySnippetReproducesTheReport() throws Exception {
        String python = python(false);
        Result r = exec(List.of(python, "scripts/verify_from_npz.py", verify.toString()));
        assertEquals(0, r.code(), r.out() + r.err());
        Map<String, double[]> got = new HashMap<>();
        r.out().lines().forEach(line -> {
            String[] parts = line.trim().split("\\s+");
            double[] v = new double[parts.length - 1];
            for (int i = 1; i < parts.length; i++) {
                v[i - 1] = Double.parseDouble(parts[i]);
            }
            got.put(parts[0], v);
        });
        JsonNode m = RunFiles.json(verify, "metrics.json");
        List<Double> gamma = new ArrayList<>();
        m.at("/arrays/0/values").forEach(row -> row.forEach(x -> gamma.add(x.asDouble())));
        assertEquals("gamma_eff", m.at("/arrays/0/key").asText());
        assertClose(got.get("gamma_eff"), gamma.stream().mapToDouble(Double::doubleValue).toArray(),
                RECOMPUTE_TOLERANCE, "Γ_eff");
        for (String k : List.of("gamma_eff_scalar", "gamma_eff_residual", "preds_diff")) {
            assertClose(got.get(k), new double[] {RunFiles.value(m, k)}, RECOMPUTE_TOLERANCE, k);
        }
        int curves = 0;
        for (JsonNode s : m.get("series")) {
            String key = s.get("key").asText();
            assertTrue(got.containsKey(key), "the snippet printed no " + key + ":\n" + r.out());
            assertClose(got.get(key), RunFiles.series(m, key), RECOMPUTE_TOLERANCE, key);
            curves++;
        }
        assertTrue(curves >= 8, "error-vs-k curves: " + curves);
    }

    /**
     * The plain PyTorch module of the README (scripts/torch_from_npz.py, quoted verbatim) loads weights.npz and
     * reproduces the trained model's predictions. Needs Debian's python3-torch, which is not installed for it: without
     * it the test is skipped, loudly.
     */
    @Test
    void plainTorchModuleReproducesThePredictions() throws Exception {
        String script = Files.readString(Path.of("scripts", "torch_from_npz.py"));
        assertTrue(Files.readString(Path.of("README.md")).contains("```python\n" + script + "```\n"),
                "README.md must quote scripts/torch_from_npz.py verbatim");
        String python = python(false);
        if (!imports(python, "torch")) {
            String why = "TORCH CHECK NOT RUN: " + python + " cannot import torch (apt-get install -y python3-torch)";
            System.err.println("\n*** " + why + " ***\n");
            Assumptions.abort(why);
        }
        Result r = exec(List.of(python, "scripts/torch_from_npz.py", verify.toString()));
        assertEquals(0, r.code(), r.out() + r.err());
        String[] parts = r.out().trim().split("\\s+");
        double diff = Double.parseDouble(parts[parts.length - 1]);
        assertTrue(diff <= TORCH_TOLERANCE, "max |torch − descent| = " + diff);
    }

    /** scripts/load_metrics.py loads verify, reproduce and probe metrics into one DataFrame, value for value. */
    @Test
    void pandasLoadsTheMetricsOfEveryKind() throws Exception {
        String python = python(true);
        Result r = exec(List.of(python, "scripts/load_metrics.py", "--csv", verify.toString(), reproduce.toString(),
                probe.toString()));
        assertEquals(0, r.code(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("run_id,kind,key,value,lower,upper,comparison,tolerance,outcome", lines.get(0));
        Map<String, String[]> rows = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split(",", -1);
            rows.put(c[0] + " " + c[2], c);
        }
        int expected = 0;
        for (Path folder : List.of(verify, reproduce, probe)) {
            JsonNode m = RunFiles.json(folder, "metrics.json");
            for (JsonNode rec : m.get("metrics")) {
                expected++;
                String[] row = rows.get(m.get("run_id").asText() + " " + rec.get("key").asText());
                assertNotNull(row, "no row for " + rec);
                assertEquals(m.get("kind").asText(), row[1]);
                if (rec.get("value").isNull()) {
                    assertEquals("", row[3], rec.toString());
                } else {
                    assertEquals(rec.get("value").asDouble(), Double.parseDouble(row[3]), 0.0, rec.toString());
                }
                if (rec.has("tolerance")) {
                    assertEquals(rec.get("tolerance").asDouble(), Double.parseDouble(row[7]), 0.0, rec.toString());
                    assertEquals(rec.get("outcome").asText(), row[8]);
                }
            }
        }
        assertEquals(expected, lines.size() - 1, "one row per metric record");
        assertFalse(rows.isEmpty());
    }

    private static List<String> fields(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    record Result(int code, String out, String err) {}

    static Result exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /**
     * The Python that runs the scripts ({@code $DESCENT_PYTHON}, default /usr/bin/python3) once it imports numpy (and
     * pandas); when it does not, scripts/ensure-numpy.sh installs Debian's packages. When that fails too the test is
     * skipped with the reason printed in capitals, or fails when {@code DESCENT_REQUIRE_PYTHON=1}.
     */
    static String python(boolean pandas) throws IOException, InterruptedException {
        String python = System.getenv().getOrDefault("DESCENT_PYTHON", "/usr/bin/python3");
        String modules = pandas ? "numpy, pandas" : "numpy";
        if (imports(python, modules)) {
            return python;
        }
        Result ensure = exec(pandas ? List.of("bash", "scripts/ensure-numpy.sh", "--pandas")
                : List.of("bash", "scripts/ensure-numpy.sh"));
        if (ensure.code() == 0 && imports(python, modules)) {
            return python;
        }
        String why = "PYTHON CHECK NOT RUN: " + python + " cannot import " + modules + " and scripts/ensure-numpy.sh "
                + "could not install it: " + ensure.err().strip();
        System.err.println("\n*** " + why + " ***\n");
        if ("1".equals(System.getenv("DESCENT_REQUIRE_PYTHON"))) {
            throw new AssertionError(why);
        }
        Assumptions.abort(why);
        return null;
    }

    private static boolean imports(String python, String modules) throws InterruptedException {
        try {
            return exec(List.of(python, "-c", "import " + modules)).code() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
