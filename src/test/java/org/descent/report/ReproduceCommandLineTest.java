package org.descent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.descent.TestSupport;
import org.descent.experiment.Workspace;
import org.descent.experiment.reproduce.Preset;
import org.descent.experiment.reproduce.PresetResult;
import org.descent.experiment.reproduce.PresetRun;
import org.descent.experiment.reproduce.ReproductionReport;
import org.descent.experiment.reproduce.SeedSample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every report kind names the command line, as typed, that reproduces it: verify, probe, calibrate, reproduce. */
class ReproduceCommandLineTest {

    /** The one report folder under {@code root}. */
    static Path onlyReport(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            List<Path> all = s.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
            assertEquals(1, all.size(), "one report folder: " + all);
            return all.get(0);
        }
    }

    /** The report shows {@code command} in a code block, in report.md and (escaped) in report.html. */
    static void assertReproducibleWith(Path report, String command) throws IOException {
        String md = Files.readString(report.resolve("report.md"));
        assertTrue(md.contains("Reproduce with (from the repository root):\n\n```\n" + command + "\n```"),
                "report.md should give `" + command + "`:\n" + md);
        String html = Files.readString(report.resolve("report.html"));
        String escaped = command.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
        assertTrue(html.contains("<pre><code>" + escaped + "\n</code></pre>"), "report.html: " + html);
    }

    @Test
    void verifyReportGivesItsCommandLine(@TempDir Path dir) throws IOException {
        Path cfg = Files.writeString(dir.resolve("small.json"), "{\"task\": {\"d\": 3, \"n\": 6},"
                + " \"train\": {\"steps\": 30, \"batchSize\": 64, \"seed\": 1},"
                + " \"eval\": {\"testPrompts\": 300, \"searchPrompts\": 1000}}");
        String[] args = {"verify", "--config", cfg.toString(), "--lr", "0.005", "--models-dir",
            dir.resolve("m").toString(), "--reports-dir", dir.resolve("r").toString(), "-q"};
        TestSupport.CliResult r = TestSupport.cli(args);
        assertEquals(0, r.code(), r.err());
        assertReproducibleWith(onlyReport(dir.resolve("r")), "./descent verify --config " + cfg + " --lr 0.005 "
                + "--models-dir " + dir.resolve("m") + " --reports-dir " + dir.resolve("r") + " -q");
        assertTrue(Invocation.commandLine().isEmpty(), "the record ends with the command");
    }

    /** A two-probe suite on few prompts, so that a probe run takes seconds. */
    static Path smallSuite(Path dir) throws IOException {
        return Files.writeString(dir.resolve("small-suite.json"), "{\"name\": \"small\", \"testPrompts\": 1200,"
                + " \"seed\": 0, \"searchPrompts\": 2000, \"bootstrapResamples\": 200, \"probes\": ["
                + "{\"probe\": \"gd-alignment\"}, {\"probe\": \"pgd-fit\"}]}");
    }

    @Test
    void probeReportGivesItsCommandLine(@TempDir Path dir) throws IOException {
        Path suite = smallSuite(dir);
        Path reports = dir.resolve("r");
        TestSupport.CliResult r = TestSupport.cli("probe", "--checkpoint", "models/fixtures/lsa_pgd.pt", "--suite",
                suite.toString(), "--reports-dir", reports.toString(), "-q");
        assertEquals(0, r.code(), r.err());
        Path report = onlyReport(reports);
        assertReproducibleWith(report, "./descent probe --checkpoint models/fixtures/lsa_pgd.pt --suite " + suite
                + " --reports-dir " + reports + " -q");
        // the probe's heat maps (Γ_fit beside Γ*) come through the probe SPI as PNG and SVG
        for (String f : List.of("pgd-fit-gamma-fit.png", "pgd-fit-gamma-fit.svg", "pgd-fit-gamma-star.svg")) {
            assertTrue(Files.size(report.resolve(f)) > 0, f);
        }
    }

    @Test
    void calibrateReportGivesItsCommandLine(@TempDir Path dir) throws IOException {
        Path suite = smallSuite(dir);
        Path reports = dir.resolve("r");
        TestSupport.CliResult r = TestSupport.cli("calibrate", "--fast", "--cases", "zero", "--no-coverage",
                "--suite", suite.toString(), "--reports-dir", reports.toString(), "-q");
        assertTrue(r.code() == 0 || r.code() == 7, r.err() + r.out()); // the verdicts are not what is tested here
        assertReproducibleWith(onlyReport(reports), "./descent calibrate --fast --cases zero --no-coverage --suite "
                + suite + " --reports-dir " + reports + " -q");
    }

    /** A preset that measures nothing: enough to write a reproduction report without training. */
    static final class FakePreset implements Preset {
        @Override
        public String name() {
            return "fake-preset";
        }

        @Override
        public double secondsPerSeed() {
            return 0;
        }

        @Override
        public String paper() {
            return "Nobody 2024, *Not a paper*";
        }

        @Override
        public String claim() {
            return "‖Γ_eff − η*I‖_F / ‖η*I‖_F is small for <layer>.W_Q";
        }

        @Override
        public PresetResult run(PresetRun run) {
            return new PresetResult(List.of(SeedSample.atMost("‖Γ_eff − η*I‖_F / ‖η*I‖_F",
                    List.of(SeedSample.fixed(0.01)), 0.05)), Map.of(), r -> r.paragraph("details"), Map.of());
        }
    }

    static Path reproduce(Path dir) {
        Workspace ws = new Workspace(dir.resolve("m"), dir.resolve("r"), Device.cpu());
        try (PresetRun run = new PresetRun(ws, List.of(3L), new PrintWriter(new StringWriter()), n -> null)) {
            return ReproductionReport.run(new FakePreset(), run).report();
        }
    }

    @Test
    void reproductionReportGivesItsCommandLine(@TempDir Path dir) throws IOException {
        Path report;
        try (Invocation.Scope s = Invocation.record("reproduce", "fake-preset", "--first-seed", "3", "--reports-dir",
                dir.resolve("r").toString(), "--note", "it's odd")) {
            report = reproduce(dir);
        }
        assertReproducibleWith(report, "./descent reproduce fake-preset --first-seed 3 --reports-dir "
                + dir.resolve("r") + " --note 'it'\\''s odd'");
        String html = Files.readString(report.resolve("report.html"));
        assertFalse(html.contains("<layer>") || html.contains("<em>I"), "claim and headline render literally");
        assertTrue(html.contains("η*I‖_F / ‖η*I‖_F"), html);
    }

    @Test
    void withoutTheCliReportsGiveTheEquivalentCommand(@TempDir Path dir) throws IOException {
        assertTrue(Invocation.commandLine().isEmpty());
        String md = Files.readString(reproduce(dir).resolve("report.md"));
        assertTrue(md.contains("Built through the Java API, not the command line; the equivalent command is:\n\n"
                + "```\n./descent reproduce fake-preset --seeds 1 --first-seed 3\n```"), md);
    }

    @Test
    void argumentsAreQuotedForTheShell() {
        assertEquals("./descent verify --steps 500", Invocation.commandLine(List.of("verify", "--steps", "500")));
        assertEquals("./descent probe --checkpoint 'my model.pt' --suite ''",
                Invocation.commandLine(List.of("probe", "--checkpoint", "my model.pt", "--suite", "")));
        assertEquals("'$HOME' 'a`b' 'x;y'", String.join(" ", Invocation.quote("$HOME"), Invocation.quote("a`b"),
                Invocation.quote("x;y")));
        try (Invocation.Scope outer = Invocation.record("verify")) {
            try (Invocation.Scope inner = Invocation.record("probe")) {
                assertEquals("./descent probe", Invocation.commandLine().orElseThrow());
            }
            assertEquals("./descent verify", Invocation.commandLine().orElseThrow(), "scopes nest");
        }
        assertTrue(Invocation.commandLine().isEmpty());
    }
}
