package org.descent.experiment.reproduce;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.compare.SeedIntervals;
import org.descent.report.Invocation;
import org.descent.report.Markdown;
import org.descent.report.Report;
import org.descent.util.Provenance;
import org.descent.util.RunDirectory;
import org.descent.util.RunManifest;
import org.descent.util.RunMetrics;
import org.descent.util.Schema;

/** Runs a preset and writes its report: claim, measured numbers with intervals, verdict, then the preset's details. */
public final class ReproductionReport {
    private ReproductionReport() {}

    /** A finished reproduction. */
    public record Outcome(Path report, PresetResult result) {}

    public static Outcome run(Preset preset, PresetRun run) {
        long t0 = System.nanoTime();
        PresetResult result = preset.run(run);
        double seconds = (System.nanoTime() - t0) / 1e9;
        run.time("total_s", seconds);

        Report r = new Report();
        r.title("Reproduction: " + preset.name());
        String equivalent = equivalentCommand(preset, run);
        r.command(equivalent);
        r.section("Claim");
        r.paragraph("*" + Markdown.text(preset.paper()) + "*");
        r.paragraph(Markdown.text(preset.claim()));
        r.section("Verdict");
        Verdict v = result.verdict();
        int seeds = run.seeds().size();
        r.paragraph("**" + v.label() + "** over " + seeds + " seed" + (seeds == 1 ? "" : "s") + " "
                + Markdown.text(run.seeds().toString()) + ". " + Markdown.text(intervalMethod(seeds)) + " A claim is supported when the whole interval meets its requirement, not "
                + "supported when none of it does, inconclusive otherwise. Requirements marked one-sided test a bound "
                + "(\"beats\", \"at most\"); two-sided ones test an equivalence (\"matches\": the whole interval "
                + "within ±tolerance), which a model much better than the reference fails as surely as a worse one.");
        List<List<String>> rows = new ArrayList<>();
        for (Headline h : result.headlines()) {
            rows.add(List.of(h.name(), h.intervalText(), h.scope().label(), perSeedText(h.perSeed()),
                    h.requirement(), h.verdict() == null ? "(context)" : h.verdict().label()));
        }
        r.table(List.of("measured", "mean [95% CI]", "interval over", "per seed", "requirement", "verdict"), rows);
        r.literalMath(true); // the presets' details are formulas: Γ_fit, η*_N, min_α ‖Γ − αI‖_F
        result.details().accept(r);
        r.literalMath(false);
        r.reproduce(equivalent, "It took " + String.format(java.util.Locale.ROOT, "%.0f", seconds) + " s here. "
                + preset.lossNote() + " `manifest.json` lists configs, seeds, versions, "
                + "checkpoints and timings.");

        RunDirectory dir = RunDirectory.create(run.workspace().reportsDir(),
                run.kind().equals("reproduce") ? preset.name() : run.kind());
        try {
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("preset", preset.name());
            config.put("seeds", run.seeds());
            config.put("experiments", result.configs());
            RunManifest manifest = new RunManifest(dir.runId(), run.kind(), run.workspace().command(),
                    run.config() != null ? run.config() : config, Provenance.collect(run.workspace().device()));
            Map<String, Object> seedMap = new LinkedHashMap<>();
            seedMap.put("training_seeds", run.seeds());
            manifest.seeds(seedMap);
            for (String c : run.checkpoints()) {
                // an LSA checkpoint's weights are lsa.params, a GPT-2 checkpoint's model.safetensors
                String weightsFile = Files.exists(Path.of(c).resolve("lsa.params")) ? "lsa.params"
                        : "model.safetensors";
                manifest.input("checkpoint", c, org.descent.util.AtomicFiles.sha256(Path.of(c).resolve(weightsFile)),
                        Map.of("sha256_of", weightsFile, "written_by_this_run", true));
            }
            manifest.timings(run.timings());
            manifest.detail("preset", preset.name());
            if (run.config() != null) {
                manifest.detail("experiments", result.configs());
            }
            if (!run.weights().isEmpty()) {
                run.weights().write(dir.file(WEIGHTS));
                manifest.file(WEIGHTS, org.descent.util.AtomicFiles.sha256(dir.file(WEIGHTS)));
            }
            if (!run.predictions().isEmpty()) {
                run.predictions().write(dir.file(PREDICTIONS));
                manifest.file(PREDICTIONS, org.descent.util.AtomicFiles.sha256(dir.file(PREDICTIONS)));
            }
            r.writeTo(dir, "descent reproduce " + preset.name(), metrics(dir.runId(), run, preset, result).toMap(),
                    manifest.toMap());
            return new Outcome(dir.publish(), result);
        } finally {
            dir.discard();
        }
    }

    /** The npz of the trained models' weights, by seed (and model) prefix. */
    public static final String WEIGHTS = "weights.npz";
    /** The npz of per-prompt predictions, Jacobians, tokens and targets. */
    public static final String PREDICTIONS = "predictions.npz";

    /** metrics.json of a reproduction in the common layout (README, "Output schema"). */
    static RunMetrics metrics(String runId, PresetRun run, Preset preset, PresetResult result) {
        String verdict = verdictWord(run.kind(), result.verdict());
        RunMetrics out = new RunMetrics(runId, run.kind()).verdict(verdict);
        for (Headline h : result.headlines()) {
            RunMetrics.Metric m = out.metric(h.key(), h.name(), h.interval().estimate())
                    .interval(h.interval().lower(), h.interval().upper(), h.interval().level(), method(h.scope()))
                    .with("scope", h.scope().label())
                    .with("per_seed", h.perSeed());
            if (h.verdict() != null) {
                m.check(h.comparison(), h.tolerance(), switch (h.verdict()) {
                    case SUPPORTED -> Schema.PASS;
                    case NOT_SUPPORTED -> Schema.FAIL;
                    case INCONCLUSIVE -> Schema.INCONCLUSIVE;
                });
            }
        }
        out.flatten("", "", result.metrics());
        out.verdict(Schema.segment(preset.name()), preset.paper(), verdict, preset.claim(), Map.of());
        out.detail("preset", preset.name());
        out.detail("seeds", run.seeds());
        out.detail("interval_method", run.seeds().size() >= SeedIntervals.MIN_SEEDS ? "student-t over seeds"
                : "one trained model: prompt bootstrap or exact value (" + SeedIntervals.ONE_SEED_NOTE + ")");
        return out;
    }

    /**
     * The verdict in the words of the run's kind: a reproduction's claim is supported or not; a verify run (descent
     * verify --seeds S) is consistent with one GD step or not, as with one seed.
     */
    static String verdictWord(String kind, Verdict v) {
        if (!kind.equals("verify")) {
            return v.label();
        }
        return switch (v) {
            case SUPPORTED -> "consistent";
            case NOT_SUPPORTED -> "inconsistent";
            case INCONCLUSIVE -> "inconclusive";
        };
    }

    private static String method(SeedIntervals.Scope scope) {
        return switch (scope.method()) {
            case "student-t" -> Schema.STUDENT_T_SEEDS;
            case "prompt-bootstrap" -> Schema.PROMPT_BOOTSTRAP;
            default -> Schema.EXACT;
        };
    }

    /** The command that runs this preset with these seeds (shown when the report was not built from the CLI). */
    static String equivalentCommand(Preset preset, PresetRun run) {
        List<String> args = new ArrayList<>(List.of("reproduce", preset.name(), "--seeds",
                Integer.toString(run.seeds().size())));
        if (!run.seeds().isEmpty() && run.seeds().get(0) != 0) {
            args.addAll(List.of("--first-seed", Long.toString(run.seeds().get(0))));
        }
        return Invocation.commandLine(args);
    }

    /** The paragraph that says what the intervals are about. */
    static String intervalMethod(int seeds) {
        if (seeds >= SeedIntervals.MIN_SEEDS) {
            return "Each claim is tested on the Student t 95% interval of its metric's mean over the " + seeds
                    + " training seeds (exact for normally distributed per-seed values; a percentile bootstrap over "
                    + "so few seeds would cover far less than 95%), so the verdict is about training, not one model; "
                    + "with few seeds the interval is wide and a claim it straddles stays inconclusive.";
        }
        return "With one seed each claim is about this one trained model only: per-prompt metrics are tested on a "
                + "bootstrap 95% interval over its test prompts, weight-derived ones on their exact value (column "
                + "\"interval over\"); " + SeedIntervals.ONE_SEED_NOTE + ".";
    }

    private static String perSeedText(double[] values) {
        if (values.length > 6) {
            return values.length + " values";
        }
        return String.join(", ", Arrays.stream(values).mapToObj(Report::num).toList());
    }
}
