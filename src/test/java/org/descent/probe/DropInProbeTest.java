package org.descent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.descent.cli.Main;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drop-in path end to end: the example probe under {@code probes/examples/label-linearity/} is compiled against
 * descent's classes (as its own pom would), packed into a jar in a fresh probes folder, found by
 * {@code descent probes --list}, and run by {@code descent probe} through the real command line, report included.
 */
class DropInProbeTest {
    static final Path EXAMPLE = Path.of("probes", "examples", "label-linearity");

    static TestSupport.CliResult cli(String... args) {
        return TestSupport.cli(args);
    }

    /** Compiles {@code example}'s sources and packs classes and resources into {@code jar}. */
    static Path buildExampleJar(Path example, Path work, Path jar) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK (javax.tools compiler) is needed to build the example probe");
        List<String> sources = new ArrayList<>();
        try (Stream<Path> s = Files.walk(example.resolve("src/main/java"))) {
            s.filter(p -> p.toString().endsWith(".java")).forEach(p -> sources.add(p.toString()));
        }
        Path classes = Files.createDirectories(work.resolve("classes"));
        String descentClasses = Path.of(Probe.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .toString();
        List<String> args = new ArrayList<>(List.of("--release", "17", "-encoding", "UTF-8", "-proc:none",
                "-classpath", descentClasses + File.pathSeparator + System.getProperty("java.class.path"),
                "-d", classes.toString()));
        args.addAll(sources);
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
        assertEquals(0, rc, "the example probe compiles: " + diagnostics.toString(StandardCharsets.UTF_8));
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        Files.createDirectories(jar.getParent());
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, mf)) {
            for (Path root : List.of(classes, example.resolve("src/main/resources"))) {
                try (Stream<Path> s = Files.walk(root)) {
                    for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                        out.putNextEntry(new JarEntry(root.relativize(p).toString().replace(File.separatorChar, '/')));
                        Files.copy(p, out);
                        out.closeEntry();
                    }
                }
            }
        }
        return jar;
    }

    @Test
    void exampleProbeJarIsListedAndRunsThroughTheCommandLine(@TempDir Path dir) throws IOException {
        Path probes = dir.resolve("probes");
        Path jar = buildExampleJar(EXAMPLE, dir.resolve("build"), probes.resolve("label-linearity.jar"));

        TestSupport.CliResult list = cli("probes", "--list", "--probes-dir", probes.toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("label-linearity") && list.out().contains(jar.toString()), list.out());
        assertTrue(list.out().contains("gd-alignment") && list.out().contains("built-in"), list.out());

        Path suite = Files.writeString(dir.resolve("suite.json"), "{\"name\": \"drop-in\", \"testPrompts\": 1000,"
                + " \"searchPrompts\": 1000, \"bootstrapResamples\": 100, \"probes\": ["
                + "{\"probe\": \"gd-alignment\"}, {\"probe\": \"label-linearity\", \"params\": {\"prompts\": 500}}]}");
        Path fixture = ProbeFixtures.fixture("lsa_gd.pt");
        TestSupport.CliResult run = cli("probe", "--checkpoint", fixture.toString(), "--suite", suite.toString(), "--probes-dir",
                probes.toString(), "--reports-dir", dir.resolve("reports").toString(), "-q");
        assertEquals(0, run.code(), run.out() + run.err());
        assertTrue(run.out().contains("label-linearity") && run.out().contains("report:"), run.out());

        Path report;
        try (Stream<Path> s = Files.list(dir.resolve("reports"))) {
            report = s.filter(p -> !p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        }
        for (String f : List.of("report.md", "report.html", "metrics.json", "manifest.json")) {
            assertTrue(Files.isRegularFile(report.resolve(f)), f);
        }
        JsonNode metrics = Json.mapper().readTree(report.resolve("metrics.json").toFile());
        assertEquals("consistent", metrics.at("/details/probes/label-linearity/verdicts/label-linear").asText(),
                metrics.at("/details/probes/label-linearity").toString());
        assertEquals("consistent", metrics.at("/details/probes/gd-alignment/verdicts/one-step-gd").asText());
        JsonNode manifest = Json.mapper().readTree(report.resolve("manifest.json").toFile());
        assertEquals("checkpoint", manifest.at("/inputs/0/role").asText());
        assertEquals(AtomicFiles.sha256(fixture), manifest.at("/inputs/0/sha256").asText());
        assertEquals(jar.toString(), manifest.at("/details/probes/label-linearity/origin").asText());
        assertEquals(AtomicFiles.sha256(jar), manifest.at("/details/probes/label-linearity/sha256").asText());
        assertEquals(AtomicFiles.sha256(jar), manifest.at("/inputs/1/sha256").asText(), "the jar is an input");
        assertTrue(Files.readString(report.resolve("report.md")).contains("## label-linearity"));
    }

    @Test
    void exampleProbeRefutesTheRandomModel(@TempDir Path dir) throws IOException {
        Path probes = dir.resolve("probes");
        buildExampleJar(EXAMPLE, dir.resolve("build"), probes.resolve("label-linearity.jar"));
        try (ProbeRegistry registry = ProbeRegistry.discover(probes)) {
            ProbeSuite suite = new ProbeSuite("t", "", 500, 1L, 500, 100, 0.95, null,
                    List.of(new ProbeSuite.Entry("label-linearity", java.util.Map.of("prompts", 300))));
            try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager();
                    ModelUnderTest model = org.descent.probe.model.ModelLoader.load(
                            ProbeFixtures.fixture("random_model.pt"), null, manager)) {
                ProbeRun run = ProbeRunner.run(model, suite, suite.plan(registry, "test"), manager, null);
                assertEquals(Outcome.INCONSISTENT, run.summary().get("label-linear"), run.summary().toString());
                assertEquals(Outcome.INCONSISTENT, run.summary().get(Hypotheses.ONE_STEP_GD));
            }
        }
    }

    @Test
    void brokenOrClashingJarsAreClearErrors(@TempDir Path dir) throws IOException {
        Path probes = Files.createDirectories(dir.resolve("probes"));
        Files.writeString(probes.resolve("broken.jar"), "not a jar");
        try (ProbeRegistry skipping = ProbeRegistry.discover(probes)) { // drill: one bad jar no longer blocks all
            assertTrue(skipping.skippedJars().containsKey(probes.resolve("broken.jar")), skipping.skippedJars()
                    .toString());
            assertTrue(skipping.find("gd-alignment").isPresent());
            IllegalArgumentException named = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> skipping.require("label-linearity", "suite.json"));
            assertTrue(named.getMessage().contains("broken.jar"), named.getMessage());
        }
        Files.delete(probes.resolve("broken.jar"));
        Path jar = buildExampleJar(EXAMPLE, dir.resolve("build"), probes.resolve("a.jar"));
        Files.copy(jar, probes.resolve("b.jar"));
        IllegalArgumentException clash = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> ProbeRegistry.discover(probes));
        assertTrue(clash.getMessage().contains("LabelLinearityProbe") && clash.getMessage().contains("b.jar"),
                clash.getMessage());
    }

    @Test
    void commandLineErrorsAreOneLine(@TempDir Path dir) throws IOException {
        Path suite = Files.writeString(dir.resolve("s.json"), "{\"probes\": [{\"probe\": \"no-such-probe\"}]}");
        TestSupport.CliResult unknown = cli("probe", "--checkpoint", ProbeFixtures.fixture("lsa_gd.pt").toString(), "--suite",
                suite.toString(), "--probes-dir", dir.resolve("none").toString(), "--reports-dir",
                dir.resolve("r").toString(), "-q");
        assertEquals(Main.EXIT_USAGE, unknown.code(), unknown.err());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
        assertTrue(unknown.err().contains("unknown probe \"no-such-probe\"") && unknown.err().contains("gd-alignment"),
                unknown.err());
        TestSupport.CliResult pickled = cli("probe", "--checkpoint", ProbeFixtures.fixture("pickled_state_dict.pt").toString(),
                "--probes-dir", dir.resolve("none").toString(), "--reports-dir", dir.resolve("r").toString(), "-q");
        assertEquals(Main.EXIT_USAGE, pickled.code(), pickled.err());
        assertEquals(1, pickled.err().strip().lines().count(), pickled.err());
        assertTrue(pickled.err().contains("TorchScript"), pickled.err());
        assertTrue(!Files.exists(dir.resolve("r")) || Files.list(dir.resolve("r")).findAny().isEmpty(),
                "nothing written on bad input");
    }
}
