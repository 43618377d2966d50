package org.descent.probe;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.report.Invocation;
import org.descent.report.Markdown;
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
        Map<String, Object> reasons = new LinkedHashMap<>();
        run.conclusions().forEach((h, c) -> reasons.put(h, c.reason()));
        summary.put("reasons", reasons);
        summary.put("best_reference", run.bestReference());
        m.put("summary", summary);
        Map<String, Object> controls = new LinkedHashMap<>();
        for (ProbeRun.ControlRun c : run.controls()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("description", c.description());
            Map<String, Object> verdicts = new LinkedHashMap<>();
            c.conclusions().forEach((h, x) -> verdicts.put(h, x.outcome()));
            cm.put("verdicts", verdicts);
            Map<String, Object> metrics = new LinkedHashMap<>();
            for (KeyMetric k : KEY_METRICS) {
                metrics.put(k.probe() + "." + k.path(), k.value(c.results()));
            }
            cm.put("key_metrics", metrics);
            controls.put(c.name(), cm);
        }
        m.put("controls", controls);
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
        r.paragraph(String.format(Locale.ROOT, "Checkpoint %s (%s, sha256 %s), task %s. Suite **%s** (%s): %d test "
                + "prompts, seed %d, %d bootstrap resamples, %.0f%% intervals. Capabilities: %s.",
                Markdown.code(String.valueOf(model.origin().path())), Markdown.text(model.origin().kind()),
                Markdown.code(String.valueOf(model.origin().sha256())),
                Markdown.text(org.descent.experiment.TaskDescription.of(model.task())),
                Markdown.text(run.suite().name()), Markdown.text(suiteSource), run.suite().testPrompts(),
                run.suite().seed(), run.suite().bootstrapResamples(), 100 * run.suite().confidenceLevel(),
                Markdown.text(String.join(", ", model.capabilities()))));
        String equivalent = equivalentCommand(model, run, suiteSource);
        r.command(equivalent);

        if (ProbeRunner.nonFinitePredictions(run) > 0) {
            Object check = ((Map<?, ?>) run.references().get(ProbeRunner.PREDICTION_CHECK)).get("summary");
            r.paragraph("**No verdicts: the model's predictions are NaN or infinite on " + Markdown.text(String.valueOf(check))
                    + ".** No probe "
                    + "ran; statistics over these predictions would be NaN or average over the broken prompts "
                    + "(`metrics.json` → `" + ProbeRunner.PREDICTION_CHECK + "`).");
        }
        r.section("Verdicts");
        List<List<String>> summary = new ArrayList<>();
        java.util.Optional<ProbeRun.ControlRun> random = run.control(Controls.RANDOM_INIT);
        for (ProbeRun.Conclusion c : run.conclusions().values()) {
            List<String> by = new ArrayList<>();
            for (ProbeResult p : run.results()) {
                Outcome o = p.verdictMap().get(c.hypothesis());
                if (o != null) {
                    by.add(p.probe() + ": " + o);
                }
            }
            String control = random.map(x -> x.conclusions().get(c.hypothesis())).map(x -> x.outcome().label())
                    .orElse("n/a");
            summary.add(List.of(c.hypothesis(), c.outcome().label(), c.reason(), control, String.join("; ", by)));
        }
        r.table(List.of("hypothesis", "verdict", "why", "random-init control", "by probe"), summary);
        r.paragraph("Rule: a hypothesis is **inconsistent** when any criterion bearing on it fails, **consistent** when "
                + "a sufficient criterion (a behavioural match on held-out prompts) passes and none fails, and "
                + "inconclusive otherwise; necessary criteria (weights, read-outs, distances, signs) can refute, never "
                + "confirm. Nested hypotheses share evidence, so the summary is coherent (a match with one GD step is a "
                + "match with a preconditioned step; a model that is not order-invariant runs no full-batch "
                + "algorithm). An algorithm verdict stays consistent only when the random-init control of the same "
                + "architecture is inconsistent with it. Best-explaining algorithm: **"
                + Markdown.text(run.bestReference() == null ? "n/a" : run.bestReference()) + "**. One row per "
                + "criterion (check: pass, fail, or unclear when its interval straddles the tolerance).");
        r.table(ROW_HEADER, grouped(rows(run)));

        r.section("Controls");
        List<String> header = new ArrayList<>(List.of("metric", "model"));
        run.controls().forEach(c -> header.add(c.name()));
        List<List<String>> crow = new ArrayList<>();
        for (KeyMetric k : KEY_METRICS) {
            List<String> row = new ArrayList<>(List.of(k.label(), Report.num(k.value(run.results()))));
            run.controls().forEach(c -> row.add(Report.num(k.value(c.results()))));
            if (row.stream().skip(1).anyMatch(v -> !v.equals("n/a") && !v.equals("NaN"))) {
                crow.add(row);
            }
        }
        r.table(header, crow);
        List<String> described = new ArrayList<>();
        run.controls().forEach(c -> described.add("**" + Markdown.text(c.name()) + "**: "
                + Markdown.text(c.description())));
        if (random.isEmpty()) {
            described.add("no random-init control: descent cannot re-initialise this architecture (only LSA weights), "
                    + "so no verdict is gated by one");
        }
        r.paragraph("Every alignment number beside the same number for the controls, measured by the same probes on "
                + "the same prompts. " + String.join("; ", described) + ".");

        for (ProbeResult p : run.results()) {
            r.section(p.probe());
            String origin = registry.find(p.probe()).map(ProbeRegistry.Installed::origin).orElse("?");
            String desc = registry.find(p.probe()).map(i -> i.probe().description()).orElse("");
            r.text(String.format(Locale.ROOT, "%s (%s; %s, %.2f s)%s", desc, origin, p.status().label(),
                    run.seconds().getOrDefault(p.probe(), Double.NaN), p.note().isEmpty() ? "" : ". " + p.note()));
            for (ProbeResult.ReportItem item : p.content()) {
                if (item instanceof ProbeResult.Paragraph par) {
                    r.paragraph(Markdown.mathSafe(par.text()));
                } else if (item instanceof ProbeResult.Table t) {
                    if (!t.title().isEmpty()) {
                        r.paragraph("*" + Markdown.text(t.title()) + "*");
                    }
                    r.table(t.header(), t.rows());
                } else if (item instanceof ProbeResult.Figure f) {
                    r.figure(p.probe() + "-" + f.name(), f.caption(), f.png(), f.svg());
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
        r.reproduce(equivalent, "Every number above is in `metrics.json`; `manifest.json` records the checkpoint's SHA-256, the "
                + "suite with every resolved parameter, the origin (and SHA-256) of each probe, versions, device and "
                + "timings. The loss is plain MSE mean((ŷ − y)²), no ½. Re-running with the same checkpoint, suite and "
                + "seed gives the same numbers on CPU.");
        return r;
    }

    /**
     * The command that probes this checkpoint with this suite (shown when the report was not built from the CLI):
     * the suite file unless it is the built-in default, and the suite's test prompts and seed; null for a model
     * that exists only in memory.
     */
    static String equivalentCommand(ModelUnderTest model, ProbeRun run, String suiteSource) {
        if (model.origin().path() == null) {
            return null; // an in-memory model has no command line
        }
        List<String> args = new ArrayList<>(List.of("probe", "--checkpoint", String.valueOf(model.origin().path())));
        if (suiteSource != null && !suiteSource.equals("built-in defaults")) {
            args.addAll(List.of("--suite", suiteSource));
        }
        args.addAll(List.of("--test-prompts", Integer.toString(run.suite().testPrompts()), "--seed",
                Long.toString(run.suite().seed())));
        return Invocation.commandLine(args);
    }

    /**
     * The criterion rows for the report: a probe, hypothesis or verdict equal to the row above is left blank, so each
     * group reads once (the console table keeps every cell).
     */
    static List<List<String>> grouped(List<List<String>> rows) {
        List<List<String>> out = new ArrayList<>();
        List<String> previous = null;
        for (List<String> row : rows) {
            List<String> g = new ArrayList<>(row);
            if (previous != null && previous.get(0).equals(row.get(0))) {
                g.set(0, "");
                if (previous.get(1).equals(row.get(1)) && !row.get(1).equals("—")) {
                    g.set(1, "");
                    g.set(2, "");
                }
            }
            out.add(g);
            previous = row;
        }
        return out;
    }

    /**
     * A headline metric of a probe, shown for the model and its controls.
     *
     * @param probe the probe
     * @param path the metric key, with dots into nested maps
     * @param label what it is
     */
    record KeyMetric(String probe, String path, String label) {
        double value(List<ProbeResult> results) {
            Object v = results.stream().filter(r -> r.probe().equals(probe)).findFirst().map(ProbeResult::metrics)
                    .orElse(null);
            for (String part : path.split("\\.")) {
                if (v instanceof Map<?, ?> m) {
                    v = m.get(part);
                } else if (v instanceof List<?> l && part.matches("\\d+") && Integer.parseInt(part) < l.size()) {
                    v = l.get(Integer.parseInt(part));
                } else {
                    v = null;
                }
            }
            return v instanceof Number n ? n.doubleValue() : Double.NaN;
        }
    }

    static final List<KeyMetric> KEY_METRICS = List.of(
            new KeyMetric("gd-alignment", "relative_spd_gd_fit", "relative SPD vs GD(η_fit), held out"),
            new KeyMetric("gd-alignment", "relative_spd_gd_star", "relative SPD vs GD(η*), held out"),
            new KeyMetric("gd-alignment", "model_cos_gd", "model cos vs GD"),
            new KeyMetric("pgd-fit", "relative_spd", "relative SPD vs fitted PGD, held out"),
            new KeyMetric("pgd-fit", "r_squared", "R² of the PGD fit, held out"),
            new KeyMetric("pgd-fit", "relative_error_to_gamma_star", "Γ residual ‖Γ_fit − Γ*‖/‖Γ*‖"),
            new KeyMetric("pgd-fit", "distance_to_identity", "Dist₊(Γ_fit, I)"),
            new KeyMetric("hypothesis-ranking", "best_relative_spd", "best hypothesis: relative SPD, held out"),
            new KeyMetric("baseline-distance", "baselines.OLS.relative_spd", "relative SPD vs OLS"),
            new KeyMetric("order-sensitivity", "relative_variance", "variance over context orders / E[ŷ²]"),
            new KeyMetric("weight-structure", "layers.0.distance_to_identity", "Dist₊(Γ_eff, I), layer 0"));

    /** Header of {@link #rows}. */
    public static final List<String> ROW_HEADER =
            List.of("probe", "hypothesis", "verdict", "criterion", "role", "check", "effect", "95% CI", "tolerance");

    /**
     * One row per criterion: probe, hypothesis, the verdict on it, criterion, the criterion's own check (pass, fail,
     * unclear: its interval straddles the tolerance), effect, interval, tolerance.
     */
    public static List<List<String>> rows(ProbeRun run) {
        List<List<String>> rows = new ArrayList<>();
        for (ProbeResult p : run.results()) {
            if (p.status() != ProbeResult.Status.RAN) {
                rows.add(List.of(p.probe(), "—", p.status().label(), p.note(), "", "", "", "", ""));
                continue;
            }
            if (p.verdicts().isEmpty()) {
                rows.add(List.of(p.probe(), "—", "no verdict", p.note(), "", "", "", "", ""));
            }
            for (Verdict v : p.verdicts()) {
                if (v.evidence().isEmpty()) {
                    rows.add(List.of(p.probe(), v.hypothesis(), v.outcome().label(), v.note(), "", "", "", "", ""));
                }
                for (Evidence e : v.evidence()) {
                    rows.add(List.of(p.probe(), v.hypothesis(), v.outcome().label(), e.criterion(), e.role().label(),
                            check(e),
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
