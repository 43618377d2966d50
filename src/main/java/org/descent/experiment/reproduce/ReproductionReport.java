package org.descent.experiment.reproduce;

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
        r.reproduce(equivalent, "It took " + String.format(java.util.Locale.ROOT, "%.0f", seconds) + " s here. Loss "
                + "everywhere: plain MSE mean((ŷ − y)²), no ½. `manifest.json` lists configs, seeds, versions, "
                + "checkpoints and timings.");

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("preset", preset.name());
        metrics.put("verdict", v.label());
        metrics.put("seeds", run.seeds().size());
        metrics.put("interval_method", run.seeds().size() >= SeedIntervals.MIN_SEEDS ? "student-t over seeds"
                : "one trained model: prompt bootstrap or exact value (" + SeedIntervals.ONE_SEED_NOTE + ")");
        Map<String, Object> heads = new LinkedHashMap<>();
        for (Headline h : result.headlines()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("mean", h.interval().estimate());
            e.put("ci95", List.of(h.interval().lower(), h.interval().upper()));
            e.put("per_seed", h.perSeed());
            e.put("scope", h.scope().label());
            e.put("interval_method", h.scope().method());
            e.put("tolerance", h.requirement());
            e.put("verdict", h.verdict() == null ? null : h.verdict().label());
            heads.put(h.name(), e);
        }
        metrics.put("headlines", heads);
        metrics.putAll(result.metrics());

        RunDirectory dir = RunDirectory.create(run.workspace().reportsDir(), preset.name());
        try {
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("run_id", dir.runId());
            manifest.put("kind", "reproduce");
            manifest.put("preset", preset.name());
            manifest.put("seeds", run.seeds());
            manifest.put("configs", result.configs());
            manifest.put("checkpoints", run.checkpoints());
            manifest.put("provenance", Provenance.collect(run.workspace().device()));
            manifest.put("timings", run.timings());
            r.writeTo(dir, "descent reproduce " + preset.name(), metrics, manifest);
            return new Outcome(dir.publish(), result);
        } finally {
            dir.discard();
        }
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
