package org.descent.probe;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.report.Report;
import org.descent.util.Provenance;
import org.descent.util.RunDirectory;

/**
 * Writes a probe run as a report folder {@code <reports>/<run-id>/} like every other descent run: {@code report.md},
 * a self-contained {@code report.html}, {@code metrics.json} and {@code manifest.json} (with the checkpoint's SHA-256
 * and the jar of every drop-in probe), staged and published with one atomic rename.
 *
 * <p>{@code metrics.json} layout: {@code model}, {@code task}, {@code suite}, {@code references},
 * {@code summary.verdicts} (hypothesis → verdict over all probes), {@code summary.best_reference}, and
 * {@code probes.<name>} with {@code status}, {@code note}, {@code seconds}, {@code verdicts} (hypothesis → verdict),
 * {@code evidence} (every criterion with effect size, interval and tolerance), {@code best_reference} and the probe's
 * own {@code metrics}.
 */
public final class ProbeReport {
    private ProbeReport() {}

    /** metrics.json content of a run. */
    public static Map<String, Object> metrics(ModelUnderTest model, ProbeRun run) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", modelSummary(model));
        m.put("task", model.task());
        m.put("suite", suiteSummary(run.suite()));
        m.put("references", run.references());
        m.put(ProbeRunner.PREDICTION_CHECK, run.references().get(ProbeRunner.PREDICTION_CHECK)); // NaN/Inf check
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("verdicts", run.summary());
        summary.put("best_reference", run.bestReference());
        m.put("summary", summary);
        Map<String, Object> probes = new LinkedHashMap<>();
        for (ProbeResult r : run.results()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("status", r.status());
            p.put("note", r.note());
            p.put("seconds", run.seconds().get(r.probe()));
            p.put("verdicts", r.verdictMap());
            p.put("evidence", r.verdicts());
            p.put("best_reference", r.bestReference());
            p.put("metrics", r.metrics());
            probes.put(r.probe(), p);
        }
        m.put("probes", probes);
        m.put("seconds", run.seconds());
        return m;
    }

    private static Map<String, Object> modelSummary(ModelUnderTest model) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", model.name());
        m.put("kind", model.origin().kind());
        m.put("path", model.origin().path());
        m.put("sha256", model.origin().sha256());
        m.put("capabilities", model.capabilities());
        m.put("details", model.origin().details());
        return m;
    }

    private static Map<String, Object> suiteSummary(ProbeSuite s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("test_prompts", s.testPrompts());
        m.put("seed", s.seed());
        m.put("search_prompts", s.searchPrompts());
        m.put("bootstrap_resamples", s.bootstrapResamples());
        m.put("confidence_level", s.confidenceLevel());
        m.put("ridge_lambda", s.ridgeLambda());
        return m;
    }

    /**
     * Writes the report folder and returns its published path.
     *
     * @param plan the probes with their resolved parameters (recorded in the manifest)
     * @param registry where each probe came from (recorded in the manifest)
     * @param suiteSource the suite file, or a description of the built-in default
     */
    public static Path write(Path reportsRoot, ModelUnderTest model, ProbeRun run, List<ProbeSuite.Planned> plan,
            ProbeRegistry registry, String suiteSource, Device device) {
        RunDirectory dir = RunDirectory.create(reportsRoot, "probe");
        try {
            Map<String, Object> manifest = new LinkedHashMap<>(Provenance.collect(device));
            manifest.put("command", "probe");
            manifest.put("checkpoint", model.origin().path());
            manifest.put("checkpoint_kind", model.origin().kind());
            manifest.put("checkpoint_sha256", model.origin().sha256());
            manifest.put("task", model.task());
            manifest.put("suite_file", suiteSource);
            Map<String, Object> suite = new LinkedHashMap<>(suiteSummary(run.suite()));
            Map<String, Object> params = new LinkedHashMap<>();
            Map<String, Object> origins = new LinkedHashMap<>();
            for (ProbeSuite.Planned p : plan) {
                params.put(p.probe().name(), p.params().asMap());
                registry.find(p.probe().name()).ifPresent(i -> {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("origin", i.origin());
                    if (i.sha256() != null) {
                        o.put("sha256", i.sha256());
                    }
                    o.put("class", i.probe().getClass().getName());
                    origins.put(p.probe().name(), o);
                });
            }
            suite.put("params", params);
            manifest.put("suite", suite);
            manifest.put("probes", origins);
            manifest.put("timings", run.seconds());
            String title = "Probe report: " + model.name();
            markdown(model, run, registry, suiteSource).writeTo(dir, title, metrics(model, run), manifest);
            return dir.publish();
        } catch (RuntimeException e) {
            dir.discard();
            throw e;
        }
    }

    /** The Markdown report (also rendered to HTML). */
    static Report markdown(ModelUnderTest model, ProbeRun run, ProbeRegistry registry, String suiteSource) {
        Report r = new Report().title("Probe report: " + model.name());
        r.paragraph(String.format(Locale.ROOT, "Checkpoint `%s` (%s, sha256 `%s`), task %s. Suite **%s** (%s): %d test "
                + "prompts, seed %d, %d bootstrap resamples, %.0f%% intervals. Capabilities: %s.",
                model.origin().path(), model.origin().kind(), model.origin().sha256(), org.descent.experiment.TaskDescription.of(model.task()),
                run.suite().name(), suiteSource, run.suite().testPrompts(), run.suite().seed(),
                run.suite().bootstrapResamples(), 100 * run.suite().confidenceLevel(),
                String.join(", ", model.capabilities())));

        if (ProbeRunner.nonFinitePredictions(run) > 0) {
            Object check = ((Map<?, ?>) run.references().get(ProbeRunner.PREDICTION_CHECK)).get("summary");
            r.paragraph("**No verdicts: the model's predictions are NaN or infinite on " + check + ".** No probe "
                    + "ran; statistics over these predictions would be NaN or average over the broken prompts "
                    + "(`metrics.json` → `" + ProbeRunner.PREDICTION_CHECK + "`).");
        }
        r.section("Verdicts");
        List<List<String>> summary = new ArrayList<>();
        for (Map.Entry<String, Outcome> e : run.summary().entrySet()) {
            List<String> by = new ArrayList<>();
            for (ProbeResult p : run.results()) {
                Outcome o = p.verdictMap().get(e.getKey());
                if (o != null) {
                    by.add(p.probe() + ": " + o);
                }
            }
            summary.add(List.of(e.getKey(), "**" + e.getValue() + "**", String.join("; ", by)));
        }
        r.table(List.of("hypothesis", "verdict", "by probe"), summary);
        r.paragraph("A hypothesis is inconsistent when any probe finds it inconsistent, consistent when at least one "
                + "probe finds it consistent and none inconsistent, inconclusive otherwise. Best-explaining reference: **"
                + (run.bestReference() == null ? "n/a" : run.bestReference()) + "**.");
        r.table(ROW_HEADER, rows(run));

        for (ProbeResult p : run.results()) {
            r.section(p.probe());
            String origin = registry.find(p.probe()).map(ProbeRegistry.Installed::origin).orElse("?");
            String desc = registry.find(p.probe()).map(i -> i.probe().description()).orElse("");
            r.paragraph(String.format(Locale.ROOT, "%s (%s; %s, %.2f s)%s", desc, origin, p.status().label(),
                    run.seconds().getOrDefault(p.probe(), Double.NaN), p.note().isEmpty() ? "" : ". " + p.note()));
            for (ProbeResult.ReportItem item : p.content()) {
                if (item instanceof ProbeResult.Paragraph par) {
                    r.paragraph(par.text());
                } else if (item instanceof ProbeResult.Table t) {
                    if (!t.title().isEmpty()) {
                        r.paragraph("*" + t.title() + "*");
                    }
                    r.table(t.header(), t.rows());
                } else if (item instanceof ProbeResult.Figure f) {
                    r.figure(p.probe() + "-" + f.name(), f.caption(), f.png());
                }
            }
        }

        r.section("References");
        List<List<String>> refs = new ArrayList<>();
        run.references().forEach((k, v) -> {
            if (!(v instanceof double[][])) {
                refs.add(List.of(k, v instanceof Double dv ? Report.num(dv) : String.valueOf(v)));
            }
        });
        r.table(List.of("quantity", "value"), refs);
        r.section("Reproduce");
        r.paragraph("Every number above is in `metrics.json`; `manifest.json` records the checkpoint's SHA-256, the "
                + "suite with every resolved parameter, the origin (and SHA-256) of each probe, versions, device and "
                + "timings. The loss is plain MSE mean((ŷ − y)²), no ½. Re-running with the same checkpoint, suite and "
                + "seed gives the same numbers on CPU.");
        return r;
    }

    /** Header of {@link #rows}. */
    public static final List<String> ROW_HEADER =
            List.of("probe", "hypothesis", "verdict", "criterion", "check", "effect", "95% CI", "tolerance");

    /**
     * One row per criterion: probe, hypothesis, the verdict on it, criterion, the criterion's own check (pass, fail,
     * unclear: its interval straddles the tolerance), effect, interval, tolerance.
     */
    public static List<List<String>> rows(ProbeRun run) {
        List<List<String>> rows = new ArrayList<>();
        for (ProbeResult p : run.results()) {
            if (p.status() != ProbeResult.Status.RAN) {
                rows.add(List.of(p.probe(), "—", p.status().label(), p.note(), "", "", "", ""));
                continue;
            }
            if (p.verdicts().isEmpty()) {
                rows.add(List.of(p.probe(), "—", "no verdict", p.note(), "", "", "", ""));
            }
            for (Verdict v : p.verdicts()) {
                if (v.evidence().isEmpty()) {
                    rows.add(List.of(p.probe(), v.hypothesis(), v.outcome().label(), v.note(), "", "", "", ""));
                }
                for (Evidence e : v.evidence()) {
                    rows.add(List.of(p.probe(), v.hypothesis(), v.outcome().label(), e.criterion(), check(e),
                            Report.num(e.effectSize()), e.intervalText(), e.requirement()));
                }
            }
        }
        return rows;
    }

    private static String check(Evidence e) {
        return switch (e.outcome()) {
            case CONSISTENT -> "pass";
            case INCONSISTENT -> "fail";
            case INCONCLUSIVE -> "unclear";
        };
    }
}
