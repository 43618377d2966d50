package org.descent.experiment.reproduce;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        r.section("Claim");
        r.paragraph("*" + preset.paper() + "*");
        r.paragraph(preset.claim());
        r.section("Verdict");
        Verdict v = result.verdict();
        r.paragraph("**" + v.label() + "** over " + run.seeds().size() + " seed" + (run.seeds().size() == 1 ? "" : "s")
                + " " + run.seeds() + ". Each claim is tested on the bootstrap 95% interval of its metric "
                + (run.seeds().size() > 1 ? "over seeds" : "(one seed: the interval is over test prompts where the "
                        + "metric is a per-prompt mean, otherwise the point estimate; use --seeds for intervals over "
                        + "training runs)")
                + ": supported when the whole interval meets the tolerance, not supported when none of it does, "
                + "inconclusive otherwise.");
        List<List<String>> rows = new ArrayList<>();
        for (Headline h : result.headlines()) {
            rows.add(List.of(h.name(), h.intervalText(), perSeedText(h.perSeed()), h.requirement(),
                    h.verdict() == null ? "(context)" : h.verdict().label()));
        }
        r.table(List.of("measured", "mean [95% CI]", "per seed", "tolerance", "verdict"), rows);
        result.details().accept(r);
        r.section("Reproduce");
        r.paragraph("`descent reproduce " + preset.name() + " --seeds " + run.seeds().size() + "` (took "
                + String.format(java.util.Locale.ROOT, "%.0f", seconds) + " s here). Loss everywhere: plain MSE "
                + "mean((ŷ − y)²), no ½. `manifest.json` lists configs, seeds, versions, checkpoints and timings.");

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("preset", preset.name());
        metrics.put("verdict", v.label());
        Map<String, Object> heads = new LinkedHashMap<>();
        for (Headline h : result.headlines()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("mean", h.interval().estimate());
            e.put("ci95", List.of(h.interval().lower(), h.interval().upper()));
            e.put("per_seed", h.perSeed());
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

    private static String perSeedText(double[] values) {
        if (values.length > 6) {
            return values.length + " values";
        }
        return String.join(", ", Arrays.stream(values).mapToObj(Report::num).toList());
    }
}
