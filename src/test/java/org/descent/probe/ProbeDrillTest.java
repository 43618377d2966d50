package org.descent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.descent.TestSupport;
import org.descent.cli.Main;
import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaWeights;
import org.descent.probe.model.ModelLoader;
import org.descent.report.Plots;
import org.descent.task.TaskConfig;
import org.descent.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe part of the hostile drill (issue 11): a drop-in probe that throws an {@link Error}, a garbage jar next to
 * good ones, a model whose predictions are NaN or infinite, and plots of such values.
 */
class ProbeDrillTest {
    static final String SUITE = "{\"name\": \"drill\", \"testPrompts\": 300, \"searchPrompts\": 500, "
            + "\"bootstrapResamples\": 50, \"probes\": [%s]}";

    /** Compiles one probe class (body of {@code run}) into {@code jar} with its services file. */
    static Path probeJar(Path work, Path jar, String name, String runBody) throws IOException {
        String src = "package drill;\n"
                + "import org.descent.probe.*;\n"
                + "public final class DrillProbe implements Probe {\n"
                + "  public String name() { return \"" + name + "\"; }\n"
                + "  public String description() { return \"drill\"; }\n"
                + "  public java.util.Map<String, Object> defaultParameters() { return java.util.Map.of(); }\n"
                + "  public ProbeResult run(ProbeContext c) { " + runBody + " }\n"
                + "  static int deep(int n) { return deep(n + 1) + 1; }\n"
                + "}\n";
        Path srcDir = Files.createDirectories(work.resolve("src/drill"));
        Path file = Files.writeString(srcDir.resolve("DrillProbe.java"), src);
        Path classes = Files.createDirectories(work.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK is needed");
        String descent = Path.of(Probe.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        int rc = javac.run(null, diag, diag, "--release", "17", "-proc:none", "-classpath", descent + File.pathSeparator
                + System.getProperty("java.class.path"), "-d", classes.toString(), file.toString());
        assertEquals(0, rc, diag.toString(StandardCharsets.UTF_8));
        Files.createDirectories(jar.getParent());
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os)) {
            out.putNextEntry(new JarEntry("drill/DrillProbe.class"));
            Files.copy(classes.resolve("drill/DrillProbe.class"), out);
            out.closeEntry();
            out.putNextEntry(new JarEntry(ProbeRegistry.SERVICES));
            out.write("drill.DrillProbe\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    static Path suite(Path dir, String... probes) throws IOException {
        List<String> entries = new ArrayList<>();
        for (String p : probes) {
            entries.add("{\"probe\": \"" + p + "\"}");
        }
        return Files.writeString(dir.resolve("suite-" + String.join("-", probes) + ".json"),
                String.format(SUITE, String.join(", ", entries)));
    }

    static Path onlyReport(Path reports) throws IOException {
        try (Stream<Path> s = Files.list(reports)) {
            List<Path> l = s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
            assertEquals(1, l.size(), l.toString());
            return l.get(0);
        }
    }

    /** Drill: a drop-in probe that throws StackOverflowError exits 4 with a report, as the README promises. */
    @Test
    void aProbeThatThrowsAnErrorFailsAloneAndTheReportIsWritten(@TempDir Path dir) throws IOException {
        Path probes = dir.resolve("probes");
        probeJar(dir.resolve("build"), probes.resolve("overflow.jar"), "overflow", "deep(0); return null;");
        Path reports = dir.resolve("reports");
        TestSupport.CliResult r = TestSupport.cli("probe", "--checkpoint", ProbeFixtures.fixture("lsa_gd.pt")
                .toString(), "--suite", suite(dir, "overflow", "gd-alignment").toString(), "--probes-dir",
                probes.toString(), "--reports-dir", reports.toString(), "-q");
        assertEquals(Main.EXIT_PROBE_FAILED, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("FAILED overflow: StackOverflowError"), r.out());
        JsonNode m = Json.mapper().readTree(onlyReport(reports).resolve("metrics.json").toFile());
        assertEquals("failed", m.at("/details/probes/overflow/status").asText());
        assertEquals("ran", m.at("/details/probes/gd-alignment/status").asText(), "the other probe still ran");
    }

    /** Drill: a garbage jar in probes/ no longer blocks suites of built-in probes; naming its probe is an error. */
    @Test
    void aGarbageJarIsSkippedWithAWarning(@TempDir Path dir) throws IOException {
        Path probes = Files.createDirectories(dir.resolve("probes"));
        Files.writeString(probes.resolve("x.jar"), "garbage, not a zip");
        probeJar(dir.resolve("build"), probes.resolve("throws-in-constructor.jar"), "never",
                "return null; } public DrillProbe() { throw new IllegalStateException(\"boom\");");
        Path reports = dir.resolve("reports");
        String[] common = {"--probes-dir", probes.toString(), "--reports-dir", reports.toString(), "-q",
            "--checkpoint", ProbeFixtures.fixture("lsa_gd.pt").toString()};
        TestSupport.CliResult ok = TestSupport.cli(concat(new String[] {"probe", "--suite",
            suite(dir, "gd-alignment").toString()}, common));
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.err().contains("skipped the probe jar " + probes.resolve("x.jar")), ok.err());
        assertTrue(ok.err().contains("throws-in-constructor.jar") && ok.err().contains("boom"), ok.err());
        TestSupport.CliResult named = TestSupport.cli(concat(new String[] {"probe", "--suite",
            suite(dir, "never").toString()}, common));
        assertEquals(Main.EXIT_USAGE, named.code(), named.err());
        assertTrue(named.err().contains("\"never\" is not installed") && named.err().contains("x.jar"), named.err());
        TestSupport.CliResult list = TestSupport.cli("probes", "--list", "--probes-dir", probes.toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("skipped the probe jar") && list.out().contains("gd-alignment"), list.out());
    }

    /** An LSA whose readout weight is {@code value} everywhere: predictions NaN or ±∞ on every prompt. */
    static ModelUnderTest brokenModel(TaskConfig task, double value, NDManager manager) {
        int dd = task.tokenDim() * task.tokenDim();
        double[] m = new double[dd];
        java.util.Arrays.fill(m, value);
        LsaWeights w = LsaWeights.of(List.of(new LsaLayerWeights(task.tokenDim(), m, m, m, m)));
        return ModelLoader.fromLsaWeights("broken", w, task, new ModelUnderTest.Origin("test", "memory", "none",
                Map.of()), manager);
    }

    /** Drill "non-finite predictions": reported with which prompts and what fraction, never averaged. */
    @Test
    void nonFinitePredictionsStopTheVerdicts() {
        TaskConfig task = new TaskConfig(3, 6, TaskConfig.UNIFORM, 1.0, 0.0);
        ProbeSuite suite = new ProbeSuite("t", "", 200, 1L, 500, 20, 0.95, null,
                List.of(new ProbeSuite.Entry("gd-alignment", Map.of()), new ProbeSuite.Entry("pgd-fit", Map.of())));
        try (NDManager manager = NDManager.newBaseManager();
                ProbeRegistry registry = ProbeRegistry.builtIn()) {
            for (double v : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
                ModelUnderTest model = brokenModel(task, v, manager);
                ProbeRun run = ProbeRunner.run(model, suite, suite.plan(registry, "test"), manager, null);
                assertEquals(200, ProbeRunner.nonFinitePredictions(run), "every prompt is broken");
                assertTrue(run.summary().isEmpty(), "no verdicts: " + run.summary());
                for (ProbeResult r : run.results()) {
                    assertEquals(ProbeResult.Status.SKIPPED, r.status());
                    assertTrue(r.note().contains("200 of 200 test prompts (100.0%") && r.note().contains("#0, #1"),
                            r.note());
                }
                Map<?, ?> check = (Map<?, ?>) ((Map<?, ?>) ProbeReport.metrics(model, run).get("details"))
                        .get(ProbeRunner.PREDICTION_CHECK);
                assertEquals(1.0, ((Number) check.get("fraction")).doubleValue());
                String md = ProbeReport.markdown(model, run, registry, "test").markdown();
                assertTrue(md.contains("No verdicts: the model's predictions are NaN or infinite"), md);
            }
        }
    }

    /**
     * The same through the command line: a 3-layer checkpoint with huge (finite) weights overflows to ±∞/NaN on
     * every prompt; {@code descent probe} says so, writes the report and exits 5.
     */
    @Test
    void nonFinitePredictionsExitFiveWithAReport(@TempDir Path dir) throws IOException {
        TaskConfig task = new TaskConfig(3, 6, TaskConfig.UNIFORM, 1.0, 0.0);
        int dd = task.tokenDim() * task.tokenDim();
        double[] huge = new double[dd];
        java.util.Arrays.fill(huge, 1e38);
        LsaLayerWeights layer = new LsaLayerWeights(task.tokenDim(), huge, huge, huge, huge);
        LsaWeights w = LsaWeights.of(List.of(layer, layer, layer));
        float[][] zeros = new float[12][dd];
        Path ckpt;
        try (NDManager manager = NDManager.newBaseManager()) {
            ckpt = org.descent.train.Checkpoints.save(dir.resolve("models"), "overflow",
                    new org.descent.train.TrainingState(w, zeros, zeros, 0, new float[0]), "final", task,
                    new org.descent.model.ModelConfig(3, false, 0.1), org.descent.train.TrainConfig.defaults(),
                    Map.of(), Map.of(), manager);
        }
        Path reports = dir.resolve("reports");
        TestSupport.CliResult r = TestSupport.cli("probe", "--checkpoint", ckpt.toString(), "--suite",
                suite(dir, "gd-alignment").toString(), "--probes-dir", dir.resolve("none").toString(),
                "--reports-dir", reports.toString(), "-q");
        assertEquals(Main.EXIT_NON_FINITE, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("no verdicts: the model's predictions are NaN or infinite on 300 of 300 test "
                + "prompts"), r.err());
        JsonNode m = Json.mapper().readTree(onlyReport(reports).resolve("metrics.json").toFile());
        assertEquals(300, m.at("/details/model_predictions/non_finite").asInt(), m.toString());
        assertEquals(0, m.at("/details/model_predictions/first_prompts/0").asInt());
        assertTrue(m.at("/verdicts").isEmpty(), "no verdicts: " + m.at("/verdicts"));
    }

    @Test
    void finitePredictionsAreRecordedAsChecked() {
        EvaluationCache.PredictionCheck c = EvaluationCache.PredictionCheck.of(new double[] {1, Double.NaN, 2,
            Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY});
        assertEquals(3, c.nonFinite());
        assertEquals(List.of(1, 3, 4), c.first());
        assertEquals("3 of 5 test prompts (60.00%: 1 NaN, 1 +Inf, 1 -Inf), first at prompt #1, #3, #4", c.describe());
        assertTrue(EvaluationCache.PredictionCheck.of(new double[] {0, 1}).allFinite());
    }

    /** Drill: ±Inf and NaN values no longer crash XChart ("Series data cannot be equal to Double.POSITIVE_INFINITY"). */
    @Test
    void plotsSkipNonFiniteValues() {
        double[] x = {1, 2, 3, 4};
        byte[] png = Plots.curves("t", "k", "y", List.of(new Plots.Curve("inf", x, new double[] {1,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN}), new Plots.Curve("all-nan", x,
            new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN}), new Plots.Curve("ok", x,
            new double[] {1, 2, 3, 4})), true).png();
        assertTrue(png.length > 100);
        assertTrue(Plots.curves("t", "k", "y", List.of(new Plots.Curve("inf", x, new double[] {
            Double.POSITIVE_INFINITY, 1, 2, 3})), false, 0, 10).png().length > 100);
        assertTrue(Plots.lossCurve(new float[] {1f, Float.NaN, Float.POSITIVE_INFINITY, 0.5f}, List.of(
                new Plots.Level("gd", Double.POSITIVE_INFINITY))).png().length > 100);
        assertTrue(Plots.heatMap("h", new double[][] {{1, Double.NaN}, {Double.POSITIVE_INFINITY, -1}}).png().length
                > 100);
        assertTrue(Plots.heatMap("h", new double[][] {{Double.NaN}}).png().length > 100);
        assertFalse(new String(png, StandardCharsets.ISO_8859_1).isEmpty());
    }

    static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
