package org.descent.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.descent.compare.SeedIntervals;
import org.descent.experiment.Workspace;
import org.descent.experiment.reproduce.Headline;
import org.descent.experiment.reproduce.Preset;
import org.descent.experiment.reproduce.PresetRun;
import org.descent.experiment.reproduce.Presets;
import org.descent.experiment.reproduce.ReproductionReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code descent reproduce <preset>}: one-command reproductions of published claims. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Reproduce a published ICL-as-GD claim with exact theory as the reference and write a report "
                + "whose first section states the claim, the measured numbers with 95%% intervals and a verdict.",
                "--list describes the presets."})
final class ReproduceCommand implements Callable<Integer> {
    @Mixin EngineOptions runtime;
    @Mixin OutputOptions.Models models;
    @Mixin OutputOptions.Reports reports;
    @Mixin OutputOptions.Quiet quiet;
    @Mixin FailOnOption failOn;
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "PRESET", completionCandidates = PresetNames.class,
            description = "The preset to run: ${COMPLETION-CANDIDATES}.")
    String preset;

    @Option(names = "--list", description = "List the presets and their claims.")
    boolean list;

    @Option(names = "--seeds", defaultValue = "1", paramLabel = "S",
            description = "Training seeds first..first+S-1 (default 1). S >= 2: Student t 95%% intervals over seeds "
                    + "(claims about training); S = 1: claims about the one trained model only (prompt intervals, "
                    + "exact weight values).")
    int seeds;

    @Option(names = "--jobs", paramLabel = "J",
            description = "Trainings that run at the same time (default: the number of CPU cores; 1 trains one after "
                    + "another). The trained models are bit-identical either way.")
    Integer jobs;

    @Option(names = "--no-cache",
            description = "Train even when the run cache (models-dir/.run-cache) holds a finished training of the same "
                    + "config, seed and code version (by default it is reused).")
    boolean noCache;

    @Option(names = "--first-seed", defaultValue = "0", paramLabel = "S", description = "First seed (default 0).")
    long firstSeed;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            for (Preset p : Presets.all()) {
                out.println(p.name());
                out.println("    " + p.paper());
            }
            return 0;
        }
        if (preset == null) {
            throw new IllegalArgumentException("name a preset (descent reproduce --list shows them)");
        }
        if (seeds <= 0) {
            throw new IllegalArgumentException("--seeds must be a positive integer, got " + seeds);
        }
        if (jobs != null && jobs <= 0) {
            throw new IllegalArgumentException("--jobs must be a positive integer, got " + jobs);
        }
        List<String> names = Presets.all().stream().map(Preset::name).toList();
        if (!names.contains(preset)) {
            throw new IllegalArgumentException("unknown preset '" + preset + "'" + Suggestions.didYouMean(preset, names)
                    + " (descent reproduce --list shows them)");
        }
        Preset p = Presets.named(preset);
        runtime.configureEngine();
        PrintWriter err = spec.commandLine().getErr();
        Workspace ws = runtime.workspace(models, reports);
        Preflight.output(ws.modelsDir(), "--models-dir", 64L << 20, err);
        Preflight.reports(ws, err);
        List<Long> seedList = new ArrayList<>();
        for (int i = 0; i < seeds; i++) {
            seedList.add(firstSeed + i);
        }
        return runPreset(p, seedList, ws.withCommand(CommandLines.of(spec)), quiet.quiet, failOn, "reproduce", null,
                !noCache, jobs == null ? 0 : jobs, out, err, System.nanoTime());
    }

    /**
     * Runs {@code p} over {@code seedList}, prints the headline table and verdict, returns the exit code.
     *
     * @param kind the kind of run its manifest records ({@code reproduce}, or {@code verify} for verify --seeds)
     * @param config the experiment config a {@code verify} run's manifest records (null for a preset)
     * @param cache reuse finished trainings from the run cache
     * @param jobs trainings at the same time, or 0 for the number of processors
     */
    static int runPreset(Preset p, List<Long> seedList, Workspace ws, boolean quiet, FailOnOption failOn, String kind,
            org.descent.experiment.ExperimentConfig config, boolean cache, int jobs, PrintWriter out, PrintWriter err,
            long t0) {
        out.println("descent reproduce " + p.name() + " (" + p.paper() + "), seeds " + seedList);
        out.flush();
        try (PresetRun run = new PresetRun(ws, seedList, out, steps -> new Progress("train", steps, 0, quiet))
                .recordedAs(kind, config).withCache(cache)) {
            if (jobs > 0) {
                run.withParallelism(jobs);
            }
            ReproductionReport.Outcome o = ReproductionReport.run(p, run);
            out.println();
            for (Headline h : o.result().headlines()) {
                out.printf(Locale.ROOT, "  %-62s %-30s %-34s %-24s %s%n", h.name(), h.intervalText(),
                        h.scope().label(), h.requirement(), h.verdict() == null ? "" : h.verdict().label());
            }
            out.println();
            if (seedList.size() < SeedIntervals.MIN_SEEDS) {
                out.println("scope: 1 trained model; " + SeedIntervals.ONE_SEED_NOTE);
            } else {
                out.println("scope: " + seedList.size() + " training seeds, Student t 95% intervals over seeds");
            }
            out.printf(Locale.ROOT, "verdict: %s (%.0f s)%n", o.result().verdict().label().toUpperCase(Locale.ROOT),
                    (System.nanoTime() - t0) / 1e9);
            out.println("report: " + o.report().resolve("report.html"));
            out.flush();
            return failOn.exitCode(FailOnOption.ofClaim(o.result().verdict()), o.result().verdict().label(), err);
        }
    }

    /** The registered presets' names, for the help text and shell completion (never a stale hand-written list). */
    static final class PresetNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Presets.all().stream().map(Preset::name).iterator();
        }
    }
}
