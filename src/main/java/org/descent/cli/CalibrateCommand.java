package org.descent.cli;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.descent.experiment.Workspace;
import org.descent.probe.ProbeRegistry;
import org.descent.probe.ProbeSuite;
import org.descent.probe.calibration.Calibration;
import org.descent.probe.calibration.CalibrationBattery;
import org.descent.probe.calibration.CalibrationCase;
import org.descent.probe.calibration.CalibrationReport;
import org.descent.report.Report;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.util.Provenance;
import org.descent.util.RunDirectory;
import org.descent.util.RunManifest;
import org.descent.util.RunMetrics;
import org.descent.util.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code descent calibrate}: runs the probe suite on a battery of models whose algorithm is known by construction and
 * prints the hypothesis × model confusion table (expected against got), then measures the coverage of descent's
 * interval methods by simulation. Exit code 0 when every verdict is right and every coverage is in its band,
 * {@value #EXIT_MISCALIBRATED} otherwise.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Run the probe suite on models whose algorithm is known by construction (one GD step, gradient "
                + "ascent, PGD with SPD and indefinite Γ, K-step GD, GD++, OLS, ridge, Iterative Newton, random "
                + "LSAs, an order-dependent perturbation of GD, too few prompts) and measure interval coverage; "
                + "print the confusion table and write a report.")
final class CalibrateCommand implements Callable<Integer> {
    /** Exit code when a verdict is wrong or an interval method misses its coverage band. */
    static final int EXIT_MISCALIBRATED = 7;

    @Mixin EngineOptions runtime;
    @Mixin OutputOptions.Reports reports;
    @Mixin OutputOptions.Quiet quiet;
    @Spec CommandSpec spec;

    @Option(names = "--fast", description = "The CI subset: ten cases on 4000 test prompts, and a short coverage "
            + "study (about a minute).")
    boolean fast;

    @Option(names = "--suite", paramLabel = "FILE", description = "Probe suite JSON (default: probes/default.json).")
    Path suite;

    @Option(names = "--cases", paramLabel = "NAMES", split = ",",
            description = "Only these cases (comma-separated; see the report for the names).")
    List<String> cases;

    @Option(names = "--json", description = "Print the summary as JSON on standard output (false_consistent, "
            + "false_inconsistent, inconclusive, coverage per S) instead of the table.")
    boolean json;

    @Option(names = "--no-coverage", description = "Skip the coverage study.")
    boolean noCoverage;

    /** Test prompts of the fast subset. */
    static final int FAST_TEST_PROMPTS = 4000;

    @Override
    public Integer call() {
        runtime.configureEngine();
        Workspace ws = runtime.workspace(null, reports);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path suiteFile = suite != null ? suite : ProbeCommand.DEFAULT_SUITE;
        ProbeSuite s = ProbeSuite.read(suiteFile);
        List<CalibrationCase> battery = selectCases();
        Preflight.reports(ws, err);
        long t0 = System.nanoTime();
        Calibration.Result result;
        try (ProbeRegistry registry = ProbeRegistry.builtIn(); NDManager manager = NDManager.newBaseManager(ws.device())) {
            s.plan(registry, suiteFile.toString());
            result = Calibration.run(battery, s, registry, manager, quiet.quiet ? null : r -> err.printf(Locale.ROOT,
                    "  %-22s %6.1f s%s%n", r.calibrationCase().name(), r.seconds(), wrong(r)));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> summary = new LinkedHashMap<>(CalibrationReport.json(result));
        summary.put("suite", suiteFile.toString());
        summary.put("fast", fast);
        summary.put("seconds", seconds);
        boolean coverageOk = true;
        if (!noCoverage) {
            CoverageSection coverage = CoverageSection.run(fast);
            summary.put("coverage", coverage.json());
            coverageOk = coverage.ok();
        }
        Path report = write(ws.withCommand(CommandLines.of(spec)), result, summary, suiteFile,
                result.passed() && coverageOk);
        if (json) {
            out.println(Json.write(summary));
        } else {
            out.println(CalibrationReport.confusionText(result));
            if (summary.get("coverage") != null) {
                out.println(CoverageSection.text(summary.get("coverage")));
            }
            out.printf(Locale.ROOT, "calibration took %.1f s%n", seconds);
            out.println("report: " + report.resolve("report.html"));
        }
        return result.passed() && coverageOk ? 0 : EXIT_MISCALIBRATED;
    }

    private List<CalibrationCase> selectCases() {
        List<CalibrationCase> battery = fast ? CalibrationBattery.fast() : CalibrationBattery.all();
        List<CalibrationCase> all = !fast ? battery : battery.stream().map(c -> c.testPrompts() == CalibrationBattery.TEST_PROMPTS ? new CalibrationCase(
                    c.name(), c.description(), c.task(), FAST_TEST_PROMPTS, c.expected(), c.borderline(), c.model())
                    : c).toList();
        if (cases == null || cases.isEmpty()) {
            return all;
        }
        List<CalibrationCase> out = new ArrayList<>();
        for (String name : cases) {
            out.add(all.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("calibrate: unknown case \"" + name + "\"; the cases are "
                            + String.join(", ", all.stream().map(CalibrationCase::name).toList()))));
        }
        return out;
    }

    /**
     * metrics.json of a calibration (README, "Output schema"): the counts of false and inconclusive verdicts, each
     * case's seconds, the coverage study's numbers; a verdict record per case and hypothesis with the expected
     * outcome.
     */
    static RunMetrics metrics(String runId, Calibration.Result result, Map<String, Object> summary, boolean passed) {
        RunMetrics out = new RunMetrics(runId, "calibrate").verdict(passed ? "passed" : "failed");
        for (String k : List.of("false_consistent", "false_inconsistent", "inconclusive", "inconclusive_borderline",
                "seconds")) {
            out.metric(k, k.replace('_', ' '), ((Number) summary.get(k)).doubleValue());
        }
        List<Object> cases = new ArrayList<>();
        for (Calibration.CaseResult c : result.cases()) {
            String name = c.calibrationCase().name();
            out.metric(Schema.key("cases", name, "seconds"), name + ": seconds", c.seconds());
            out.metric(Schema.key("cases", name, "test_prompts"), name + ": test prompts",
                    c.calibrationCase().testPrompts());
            c.got().forEach((h, o) -> {
                Map<String, Object> more = new LinkedHashMap<>();
                Object expected = c.calibrationCase().expected().get(h);
                more.put("expected", expected == null ? null : expected.toString().toLowerCase(Locale.ROOT));
                more.put("correct", !(c.falseConsistent(h) || c.falseInconsistent(h) || c.inconclusive(h)));
                out.verdict(Schema.key("cases", name, h), name + " / " + h, o.label(), c.reasons().get(h), more);
            });
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("model", name);
            d.put("description", c.calibrationCase().description());
            d.put("borderline", c.calibrationCase().borderline());
            d.put("best_explaining", c.best());
            cases.add(d);
        }
        if (summary.get("coverage") != null) {
            out.flatten("coverage", "coverage", summary.get("coverage"));
        }
        out.detail("suite", summary.get("suite"));
        out.detail("fast", summary.get("fast"));
        out.detail("cases", cases);
        return out;
    }

    private static String wrong(Calibration.CaseResult r) {
        List<String> bad = new ArrayList<>();
        r.got().keySet().forEach(h -> {
            if (r.falseConsistent(h) || r.falseInconsistent(h) || r.inconclusive(h)) {
                bad.add(h);
            }
        });
        return bad.isEmpty() ? "" : "  WRONG: " + String.join(", ", bad);
    }

    /** The command with this run's options (shown when the report was not built from the command line). */
    private String equivalentCommand(Path suiteFile) {
        List<String> args = new ArrayList<>(List.of("calibrate"));
        if (fast) {
            args.add("--fast");
        }
        if (suite != null) {
            args.addAll(List.of("--suite", suiteFile.toString()));
        }
        if (cases != null && !cases.isEmpty()) {
            args.addAll(List.of("--cases", String.join(",", cases)));
        }
        if (noCoverage) {
            args.add("--no-coverage");
        }
        return org.descent.report.Invocation.commandLine(args);
    }

    private Path write(Workspace ws, Calibration.Result result, Map<String, Object> summary, Path suiteFile,
            boolean passed) {
        RunDirectory dir = RunDirectory.create(ws.reportsDir(), "calibrate");
        try {
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("suite_file", suiteFile.toString());
            config.put("fast", fast);
            config.put("cases", result.cases().stream().map(c -> c.calibrationCase().name()).toList());
            config.put("coverage", !noCoverage);
            RunManifest manifest = new RunManifest(dir.runId(), "calibrate", ws.command(), config,
                    Provenance.collect(ws.device()));
            manifest.input("suite", suiteFile.toString(), AtomicFiles.sha256(suiteFile));
            manifest.timings(Map.of("total_s", summary.get("seconds")));
            Report r = new Report().title("Calibration of descent's verdicts");
            r.paragraph(String.format(Locale.ROOT, "%d models whose algorithm is known by construction, each probed "
                    + "with the suite %s; every hypothesis's combined verdict against the expected one.",
                    result.cases().size(), org.descent.report.Markdown.code(suiteFile.toString())));
            r.command(equivalentCommand(suiteFile));
            r.section("Confusion table");
            r.table(CalibrationReport.header(), CalibrationReport.rows(result));
            r.paragraph(String.format(Locale.ROOT, "Cells read expected→got: C consistent, I inconsistent, ? "
                    + "inconclusive, · either (the construction is within tolerance of the hypothesis); ! marks a "
                    + "false verdict, ~ an inconclusive where a definite verdict was expected. **false consistent "
                    + "%d, false inconsistent %d, inconclusive %d** (on the deliberately borderline cases: %d).",
                    result.falseConsistent(), result.falseInconsistent(), result.inconclusive(),
                    result.inconclusiveBorderline()));
            List<List<String>> models = new ArrayList<>();
            for (Calibration.CaseResult c : result.cases()) {
                models.add(List.of(c.calibrationCase().name(), c.calibrationCase().description(),
                        Integer.toString(c.calibrationCase().testPrompts()), c.calibrationCase().borderline().isEmpty()
                                ? "—" : c.calibrationCase().borderline(),
                        String.format(Locale.ROOT, "%.1f", c.seconds())));
            }
            r.section("Models");
            r.table(List.of("model", "algorithm", "test prompts", "deliberately borderline because", "seconds"),
                    models);
            r.section("Why each verdict");
            List<List<String>> why = new ArrayList<>();
            for (Calibration.CaseResult c : result.cases()) {
                c.got().forEach((h, o) -> why.add(List.of(c.calibrationCase().name(), h, o.label(),
                        c.reasons().get(h))));
            }
            r.table(List.of("model", "hypothesis", "verdict", "why"), why);
            if (summary.get("coverage") != null) {
                r.section("Interval coverage");
                r.paragraph("Fraction of 95% intervals that contain the true value in repeated simulations (target "
                        + "92.5–97.5%). Seed-level rows use descent's Student t interval over S seeds; prompt-level "
                        + "rows the probes' percentile bootstrap over B prompts. Stress rows are reported, not gated.");
                r.table(CoverageSection.HEADER, CoverageSection.rows(summary.get("coverage")));
            }
            r.reproduce(equivalentCommand(suiteFile), "Every verdict and coverage above is in `metrics.json`; "
                    + "`manifest.json` records the suite, versions and device. The battery and the coverage study are "
                    + "seeded: the same command gives the same table on CPU.");
            r.writeTo(dir, "descent calibrate", metrics(dir.runId(), result, summary, passed).toMap(),
                    manifest.toMap());
            return dir.publish();
        } catch (RuntimeException e) {
            dir.discard();
            throw e;
        }
    }
}
