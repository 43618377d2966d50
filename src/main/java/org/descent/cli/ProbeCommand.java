package org.descent.cli;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.descent.probe.Hypotheses;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Outcome;
import org.descent.probe.ProbeRegistry;
import org.descent.probe.ProbeReport;
import org.descent.probe.ProbeResult;
import org.descent.probe.ProbeRun;
import org.descent.probe.ProbeRunner;
import org.descent.probe.ProbeSuite;
import org.descent.probe.model.ModelLoader;
import org.descent.experiment.MemoryBudget;
import org.descent.experiment.Workspace;
import org.descent.util.OutputFailedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code descent probe}: run a probe suite on a checkpoint (descent's own or TorchScript) and write a report. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Probe a checkpoint someone else trained (a TorchScript .pt file, a GPT-2 safetensors folder) or a "
                + "descent checkpoint folder "
                + "with a suite of probes; print the verdict table and write a report folder.")
final class ProbeCommand implements Callable<Integer> {
    /** Exit code when a probe threw (the report is still written). */
    static final int EXIT_PROBE_FAILED = Main.EXIT_PROBE_FAILED;
    static final Path DEFAULT_SUITE = Path.of("probes", "default.json");

    @Mixin RuntimeOptions runtime;
    @Mixin OutputOptions.Reports reports;
    @Mixin OutputOptions.Quiet quiet;
    @Mixin FailOnOption failOn;
    @Spec CommandSpec spec;

    @Option(names = "--checkpoint", paramLabel = "PATH",
            description = "The model: a TorchScript file (.pt), a GPT-2 safetensors folder (model.safetensors + "
                    + "config.json + task sidecar, e.g. from scripts/convert_garg_checkpoint.py) or .safetensors file, "
                    + "or a descent checkpoint folder models/<run-id>. May also be given without the option.")
    Path checkpoint;

    @Parameters(arity = "0..1", paramLabel = "CHECKPOINT", description = "Same as --checkpoint.")
    Path positionalCheckpoint;

    @Option(names = "--task", paramLabel = "FILE",
            description = "The task the model was trained on (JSON like a sidecar, or a descent config with a \"task\" "
                    + "section). Default: <checkpoint>.task.json beside a .pt file, the manifest of a descent folder.")
    Path task;

    @Option(names = "--suite", paramLabel = "FILE",
            description = "Probe suite JSON (default: probes/default.json, or every built-in probe with its defaults "
                    + "when that file does not exist).")
    Path suite;

    @Option(names = "--probes-dir", defaultValue = "probes", paramLabel = "DIR",
            description = "Folder of drop-in probe jars (default: ${DEFAULT-VALUE}).")
    Path probesDir;

    @Option(names = "--test-prompts", paramLabel = "B", description = "Override the suite's testPrompts.")
    Integer testPrompts;

    @Option(names = "--seed", paramLabel = "S", description = "Override the suite's seed.")
    Long seed;

    @Option(names = "--fail-on-hypotheses", split = ",", paramLabel = "H", defaultValue = Hypotheses.ONE_STEP_GD,
            description = "The hypotheses whose verdicts --fail-on judges (any of them inconsistent: inconsistent; "
                    + "all consistent: consistent; else inconclusive), from the summary table (default: "
                    + "${DEFAULT-VALUE}).")
    List<String> failOnHypotheses;

    @Override
    public Integer call() {
        if ((checkpoint == null) == (positionalCheckpoint == null)) {
            throw new IllegalArgumentException(checkpoint == null
                    ? "give the model to probe: descent probe CHECKPOINT (or --checkpoint CHECKPOINT)"
                    : "give the model once, either as CHECKPOINT or with --checkpoint, not both");
        }
        if (checkpoint == null) {
            checkpoint = positionalCheckpoint;
        }
        for (String h : failOnHypotheses) {
            if (!Hypotheses.ALL.contains(h)) {
                throw new IllegalArgumentException("--fail-on-hypotheses: unknown hypothesis '" + h + "'"
                        + Suggestions.didYouMean(h, Hypotheses.ALL) + "; the hypotheses are "
                        + String.join(", ", Hypotheses.ALL));
            }
        }
        runtime.configureEngine();
        Workspace ws = runtime.workspace(null, reports);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Preflight.reports(ws, err);
        try (ProbeRegistry registry = ProbeRegistry.discover(probesDir)) {
            registry.warnings().forEach(w -> err.println("descent: " + w));
            ProbeSuite s;
            String source;
            if (suite != null) {
                s = ProbeSuite.read(suite);
                source = suite.toString();
            } else if (Files.isRegularFile(DEFAULT_SUITE)) {
                s = ProbeSuite.read(DEFAULT_SUITE);
                source = DEFAULT_SUITE.toString();
            } else {
                s = ProbeSuite.allDefaults(registry);
                source = "built-in defaults";
            }
            if (testPrompts != null) {
                s = s.withTestPrompts(testPrompts);
            }
            if (seed != null) {
                s = s.withSeed(seed);
            }
            List<ProbeSuite.Planned> plan = s.plan(registry, source);
            ProbeRun run;
            Path report;
            try (NDManager manager = NDManager.newBaseManager(ws.device());
                    ModelUnderTest model = ModelLoader.load(checkpoint, task, manager, err)) {
                Preflight.memory(runtime, MemoryBudget.prompts(model.task(), (long) s.testPrompts()
                        + s.searchPrompts(), "probe prompts"));
                ProbeRunner.Listener listener = quiet.quiet ? null : (r, sec) -> err.printf(Locale.ROOT,
                        "  %-22s %-8s %7.2f s%n", r.probe(), r.status().label(), sec);
                run = ProbeRunner.run(model, s, plan, manager, listener);
                try {
                    report = ProbeReport.write(ws.reportsDir(), model, run, plan, registry, source, ws.device(),
                            CommandLines.of(spec));
                } catch (java.io.UncheckedIOException e) {
                    print(out, run);
                    throw new OutputFailedException("could not write the probe report: " + e.getMessage() + "; the "
                            + "results above are all there is (free some space and run the same command again)", e);
                }
            }
            print(out, run);
            out.println("report: " + report.resolve("report.html"));
            if (ProbeRunner.nonFinitePredictions(run) > 0) {
                err.println("descent: no verdicts: the model's predictions are NaN or infinite on "
                        + ((Map<?, ?>) run.references().get(ProbeRunner.PREDICTION_CHECK)).get("summary"));
                return Main.EXIT_NON_FINITE;
            }
            if (run.anyFailed()) {
                return EXIT_PROBE_FAILED;
            }
            out.flush();
            return failOnExitCode(run, err);
        }
    }

    /** {@code --fail-on} applied to the combined verdict of {@code --fail-on-hypotheses} (a missing one is inconclusive). */
    private int failOnExitCode(ProbeRun run, PrintWriter err) {
        List<FailOnOption.Verdict> verdicts = new java.util.ArrayList<>();
        List<String> labels = new java.util.ArrayList<>();
        for (String h : failOnHypotheses) {
            ProbeRun.Conclusion c = run.conclusions().get(h);
            Outcome o = c == null ? Outcome.INCONCLUSIVE : c.outcome();
            verdicts.add(FailOnOption.ofOutcome(o));
            labels.add(h + " " + o.label() + (c == null ? " (no probe concluded on it)" : ""));
        }
        return failOn.exitCode(FailOnOption.all(verdicts), String.join(", ", labels), err);
    }

    static void print(PrintWriter out, ProbeRun run) {
        out.println();
        String format = "%-20s %-19s %-13s %-46s %-10s %-8s %11s  %-26s %s%n";
        out.printf(Locale.ROOT, format, ProbeReport.ROW_HEADER.toArray());
        for (List<String> row : ProbeReport.rows(run)) {
            out.printf(Locale.ROOT, format, row.toArray());
        }
        for (ProbeResult r : run.results()) {
            if (r.status() == ProbeResult.Status.FAILED) {
                out.println("FAILED " + r.probe() + ": " + r.note());
            }
        }
        out.println();
        for (org.descent.probe.ProbeRun.Conclusion c : run.conclusions().values()) {
            out.printf(Locale.ROOT, "%-20s %-13s %s%n", c.hypothesis(), c.outcome().label().toUpperCase(Locale.ROOT),
                    c.reason());
        }
        if (run.bestReference() != null) {
            out.println("best-explaining algorithm: " + run.bestReference());
        }
        out.printf(Locale.ROOT, "probes took %.1f s%n", run.seconds().get("total"));
    }
}
