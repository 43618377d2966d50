package org.descent.probe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.experiment.VerifyOutputs;
import org.descent.oracle.AveragingOracle;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.oracle.NearestNeighborsOracle;
import org.descent.regressor.QuerySensitivity;
import org.descent.report.Invocation;
import org.descent.report.Markdown;
import org.descent.report.Report;
import org.descent.task.PromptSet;
import org.descent.task.TaskTruth;
import org.descent.util.AtomicFiles;
import org.descent.util.Npz;
import org.descent.util.Provenance;
import org.descent.util.RunDirectory;
import org.descent.util.RunManifest;
import org.descent.util.RunMetrics;
import org.descent.util.Schema;
import org.ejml.data.DMatrixRMaj;

/**
 * Writes a probe run as a report folder {@code <reports>/<run-id>/} like every other descent run: {@code report.md},
 * a self-contained {@code report.html}, {@code metrics.json} and {@code manifest.json} in the common layout (README,
 * "Output schema"), and {@code predictions.npz}, staged and published with one atomic rename.
 *
 * <p>{@code metrics.json}: {@code verdicts} holds the combined verdict per hypothesis (with its reason and the
 * random-init control's verdict); {@code metrics} holds every criterion as
 * {@code probes.<probe>.checks.<hypothesis>.<criterion>} (effect size, interval, comparison, tolerance, outcome,
 * role), every number a probe reported as {@code probes.<probe>.<metric path>}, the references
 * ({@code references.eta_star}, ...), the controls' key metrics ({@code controls.<control>.<probe>.<metric>}) and
 * {@code seconds.<probe>}; {@code arrays} the matrices (Γ*, fitted Γ); {@code details} the model, task, suite, each
 * probe's status, note and verdicts, the controls' verdicts and the prediction check ({@code model_predictions}).
 *
 * <p>{@code predictions.npz}: the test prompts ({@code tokens}, {@code targets}, their ground truth such as
 * {@code w}), the model's predictions {@code pred.model [B]} and query Jacobians {@code jac.model [B, d]} (when it
 * exposes them), and the same for each standard reference algorithm ({@code pred.<reference>},
 * {@code jac.<reference>}: GD(η*), PGD(Γ*), OLS, ridge, averaging, 3-NN) rebuilt from the recorded η*, Γ* and λ.
 */
public final class ProbeReport {
    /** The per-prompt outputs of a probe report. */
    public static final String PREDICTIONS = "predictions.npz";

    private ProbeReport() {}

    /** metrics.json content of a run, without a run id (for inspection; {@link #write} records the id). */
    public static Map<String, Object> metrics(ModelUnderTest model, ProbeRun run) {
        return metrics(null, model, run).toMap();
    }

    /** metrics.json of a run in the common layout (see the class comment). */
    public static RunMetrics metrics(String runId, ModelUnderTest model, ProbeRun run) {
        RunMetrics out = new RunMetrics(runId, "probe");
        java.util.Optional<ProbeRun.ControlRun> random = run.control(Controls.RANDOM_INIT);
        run.conclusions().forEach((h, c) -> {
            Map<String, Object> more = new LinkedHashMap<>();
            more.put("random_init_control", random.map(x -> x.conclusions().get(h)).map(x -> x.outcome().label())
                    .orElse(null));
            out.verdict(Schema.key("hypotheses", h), h, c.outcome().label(), c.reason(), more);
        });
        Map<String, Object> probes = new LinkedHashMap<>();
        for (ProbeResult r : run.results()) {
            for (Verdict v : r.verdicts()) {
                for (Evidence e : v.evidence()) {
                    String key = out.unique(Schema.key("probes", r.probe(), "checks", v.hypothesis(),
                            Schema.slug(e.criterion())));
                    out.metric(key, e.criterion(), e.effectSize())
                            .interval(e.lower(), e.upper(), e.level(), e.level() >= 1 ? Schema.EXACT
                                    : Schema.PROMPT_BOOTSTRAP)
                            .check(switch (e.comparison()) {
                                case AT_LEAST -> Schema.AT_LEAST;
                                case AT_MOST -> Schema.AT_MOST;
                                case WITHIN -> Schema.WITHIN;
                            }, e.tolerance(), outcome(e.outcome()))
                            .with("role", e.role().label())
                            .with("probe", r.probe())
                            .with("hypothesis", v.hypothesis());
                }
            }
            out.flatten(Schema.key("probes", r.probe()), r.probe(), r.metrics());
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("status", r.status());
            p.put("note", r.note());
            p.put("verdicts", r.verdictMap());
            p.put("best_reference", r.bestReference());
            probes.put(r.probe(), p);
        }
        Map<String, Object> refs = new LinkedHashMap<>(run.references());
        Object check = refs.remove(ProbeRunner.PREDICTION_CHECK);
        out.flatten("references", "reference", refs);
        Map<String, Object> controls = new LinkedHashMap<>();
        for (ProbeRun.ControlRun c : run.controls()) {
            for (KeyMetric k : KEY_METRICS) {
                double v = k.value(c.results());
                if (!Double.isNaN(v)) {
                    out.metric(out.unique(Schema.key("controls", c.name(), k.probe()) + "." + Schema.requireKey(
                            k.path().toLowerCase(java.util.Locale.ROOT))), c.name() + ": " + k.label(), v);
                }
            }
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("description", c.description());
            Map<String, Object> verdicts = new LinkedHashMap<>();
            c.conclusions().forEach((h, x) -> verdicts.put(h, x.outcome()));
            cm.put("verdicts", verdicts);
            controls.put(c.name(), cm);
        }
        run.seconds().forEach((k, v) -> out.metric(out.unique(Schema.key("seconds", k)), "seconds: " + k, v));
        out.detail("model", modelSummary(model));
        out.detail("task", model.task());
        out.detail("suite", suiteSummary(run.suite()));
        out.detail("best_reference", run.bestReference());
        out.detail(ProbeRunner.PREDICTION_CHECK, check); // the NaN/Inf check of the model's predictions
        out.detail("probes", probes);
        out.detail("controls", controls);
        return out;
    }

    private static String outcome(Outcome o) {
        return switch (o) {
            case CONSISTENT -> Schema.PASS;
            case INCONSISTENT -> Schema.FAIL;
            case INCONCLUSIVE -> Schema.INCONCLUSIVE;
        };
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

    /** {@link #write(Path, ModelUnderTest, ProbeRun, List, ProbeRegistry, String, Device, List)} from Java code. */
    public static Path write(Path reportsRoot, ModelUnderTest model, ProbeRun run, List<ProbeSuite.Planned> plan,
            ProbeRegistry registry, String suiteSource, Device device) {
        return write(reportsRoot, model, run, plan, registry, suiteSource, device, null);
    }

    /**
     * Writes the report folder and returns its published path.
     *
     * @param plan the probes with their resolved parameters (recorded in the manifest)
     * @param registry where each probe came from (recorded in the manifest)
     * @param suiteSource the suite file, or a description of the built-in default
     * @param command the command line, or null when called from Java code
     */
    public static Path write(Path reportsRoot, ModelUnderTest model, ProbeRun run, List<ProbeSuite.Planned> plan,
            ProbeRegistry registry, String suiteSource, Device device, List<String> command) {
        RunDirectory dir = RunDirectory.create(reportsRoot, "probe");
        try {
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
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("checkpoint", model.origin().path());
            config.put("task", model.task());
            config.put("suite_file", suiteSource);
            config.put("suite", suite);
            RunManifest manifest = new RunManifest(dir.runId(), "probe", command, config, Provenance.collect(device));
            manifest.seeds(Map.of("suite_seed", run.suite().seed()));
            manifest.input("checkpoint", model.origin().path(), model.origin().sha256(),
                    Map.of("checkpoint_kind", model.origin().kind()));
            origins.forEach((name, o) -> {
                Map<?, ?> om = (Map<?, ?>) o;
                if (om.get("sha256") != null) {
                    manifest.input("probe", String.valueOf(om.get("origin")), (String) om.get("sha256"),
                            Map.of("probe", name, "class", om.get("class")));
                }
            });
            manifest.detail("probes", origins);
            manifest.timings(run.seconds());
            predictions(model, run, device).write(dir.file(PREDICTIONS));
            manifest.file(PREDICTIONS, AtomicFiles.sha256(dir.file(PREDICTIONS)));
            String title = "Probe report: " + model.name();
            markdown(model, run, registry, suiteSource).writeTo(dir, title, metrics(dir.runId(), model, run).toMap(),
                    manifest.toMap());
            return dir.publish();
        } catch (RuntimeException e) {
            dir.discard();
            throw e;
        }
    }

    /**
     * The per-prompt outputs of a run (see the class comment): the run's test prompts drawn again from the suite's
     * seed, the model's predictions and Jacobians on them, and the standard references' (when the run recorded them).
     */
    static Npz predictions(ModelUnderTest model, ProbeRun run, Device device) {
        Npz npz = new Npz();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            PromptSource source = new PromptSource(model.task(), manager, run.suite().seed(), run.suite().testPrompts());
            TaskTruth.Recorded<PromptSet> drawn = TaskTruth.record(source::test);
            PromptSet test = drawn.value();
            npz.put("tokens", VerifyOutputs.tokens(test));
            npz.put("targets", test.targets());
            drawn.parameters().forEach(npz::put);
            npz.put("pred.model", model.predict(test));
            model.sensitivity().ifPresent(s -> npz.put("jac.model", s.queryJacobians(test)));
            Map<String, Object> refs = run.references();
            if (refs.get("eta_star") instanceof Number eta && refs.get("gamma_star") instanceof double[][] gamma
                    && refs.get("ridge_lambda") instanceof Number lambda) {
                List<QuerySensitivity> standard = new ArrayList<>();
                standard.add(GradientDescentOracle.oneStep(eta.doubleValue()).named("GD(η*)"));
                standard.add(GradientDescentOracle.preconditioned(new DMatrixRMaj(gamma)).named("PGD(Γ*)"));
                standard.add(LeastSquaresOracle.ols());
                if (lambda.doubleValue() > 0) {
                    standard.add(LeastSquaresOracle.ridge(lambda.doubleValue()));
                }
                standard.add(new AveragingOracle());
                standard.add(NearestNeighborsOracle.threeNearest());
                for (QuerySensitivity r : standard) {
                    String k = Schema.slug(r.name());
                    npz.put("pred." + k, r.predict(test));
                    npz.put("jac." + k, r.queryJacobians(test));
                }
            }
        }
        return npz;
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
            appendContent(r, p);
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

    /** A probe's own report content (paragraphs, titled tables, figures named after the probe) appended to {@code r}. */
    public static void appendContent(Report r, ProbeResult p) {
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
}
