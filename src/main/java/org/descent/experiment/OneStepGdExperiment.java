package org.descent.experiment;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.compare.BaselineCurves;
import org.descent.compare.OneStepGdComparison;
import org.descent.model.LsaRegressor;
import org.descent.regressor.InContextRegressor;
import org.descent.model.LsaWeights;
import org.descent.oracle.OptimalStepSize;
import org.descent.report.Markdown;
import org.descent.report.Plots;
import org.descent.report.Report;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskSampler;
import org.descent.task.TaskSamplers;
import org.descent.train.LsaTrainer;
import org.descent.train.TrainingState;
import org.descent.util.AtomicFiles;
import org.descent.util.Provenance;
import org.descent.util.RunDirectory;
import org.ejml.data.DMatrixRMaj;

/**
 * The vertical slice of descent: train a linear-self-attention transformer, build the one-step GD construction with
 * the optimal step size, compare the two on fresh prompts, and write the report (von Oswald et al. 2023, §3).
 */
public final class OneStepGdExperiment {
    /** The trained weights as float64 numpy arrays, in a report folder ({@link org.descent.train.Checkpoints#weightsNpz}). */
    public static final String WEIGHTS = "weights.npz";
    /** The per-prompt predictions and Jacobians of a verify or compare report ({@link VerifyOutputs}). */
    public static final String PREDICTIONS = "predictions.npz";

    private OneStepGdExperiment() {}

    /** A finished training run. */
    public record Trained(Path checkpoint, TrainingState state, double seconds, double medianStepMs) {}

    /** A finished comparison. */
    public record Compared(Path report, OneStepGdComparison.Result result, Map<String, Object> metrics) {}

    /**
     * Trains from scratch (or continues {@code resumeFrom}) and writes the final checkpoint.
     *
     * @param resumeFrom a loaded checkpoint's state, or null for a fresh run
     */
    public static Trained train(ExperimentConfig cfg, Workspace ws, TrainingState resumeFrom,
            LsaTrainer.StepListener listener) {
        // checkpoints, run ids, rescue folders: TrainingRun (issue 11)
        return TrainingRun.train(cfg, ws, resumeFrom, null, listener, org.descent.train.StopSignal.never(),
                System.err::println);
    }

    /**
     * Compares trained weights with one step of GD(η*) on fresh (or frozen) test prompts and writes a report.
     *
     * @param frozenTest a frozen evaluation set, or null to draw {@code cfg.eval().testPrompts()} fresh prompts
     * @param extraManifest what the caller knows about the run's inputs and earlier phases: {@code checkpoint} (its
     *     folder) with {@code checkpoint_params_sha256}, {@code dataset} (its folder), {@code timings} (seconds by
     *     phase); other entries go to the manifest's {@code details}
     */
    public static Compared compare(ExperimentConfig cfg, Workspace ws, LsaWeights weights, float[] losses,
            PromptSet frozenTest, Map<String, Object> extraManifest, String kind) {
        return compare(cfg, ws, weights, losses, frozenTest, Map.of(), extraManifest, kind);
    }

    /**
     * As {@link #compare(ExperimentConfig, Workspace, LsaWeights, float[], PromptSet, Map, String)}, with the ground
     * truth of a frozen set's prompts ({@link EvaluationDatasets.Dataset#truth()}) for {@code predictions.npz}.
     */
    public static Compared compare(ExperimentConfig cfg, Workspace ws, LsaWeights weights, float[] losses,
            PromptSet frozenTest, Map<String, org.descent.util.Npz.Array> frozenTruth,
            Map<String, Object> extraManifest, String kind) {
        long t0 = System.nanoTime();
        TaskSampler sampler = TaskSamplers.forTask(cfg.task());
        long seed = cfg.train().seed();
        try (NDManager manager = NDManager.newBaseManager(ws.device())) {
            Map<String, org.descent.util.Npz.Array> truth = frozenTruth;
            PromptSet test;
            if (frozenTest != null) {
                test = frozenTest;
            } else {
                org.descent.task.TaskTruth.Recorded<PromptSet> drawn = org.descent.task.TaskTruth.record(() ->
                        sampler.samplePromptSet(manager, cfg.eval().testPrompts(), Seeds.derive(seed, Seeds.TEST, 0)));
                test = drawn.value();
                truth = drawn.parameters();
            }
            PromptSet search = sampler.samplePromptSet(manager, cfg.eval().searchPrompts(),
                    Seeds.derive(seed, Seeds.SEARCH, 0));
            OptimalStepSize.Estimate searched = OptimalStepSize.lineSearch(search);
            boolean closedApplies = OptimalStepSize.closedFormApplies(cfg.task());
            double closed = closedApplies ? OptimalStepSize.closedForm(cfg.task()) : Double.NaN;
            double etaStar = closedApplies ? closed : searched.eta();
            OneStepGdComparison.Result result = OneStepGdComparison.compare(weights, test, etaStar,
                    OneStepGdComparison.Thresholds.defaults(), manager);
            List<InContextRegressor> curveSet = new ArrayList<>();
            curveSet.add(new LsaRegressor("trained LSA", weights, manager));
            curveSet.addAll(BaselineCurves.baselines(cfg.task(), etaStar));
            Map<String, double[]> baselinePreds = new LinkedHashMap<>();
            Map<String, Double> baselineMse = new LinkedHashMap<>();
            for (InContextRegressor r : curveSet.subList(1, curveSet.size())) {
                double[] p = r.predict(test);
                baselinePreds.put(r.name(), p);
                baselineMse.put(r.name(), org.descent.compare.PredictionMetrics.mse(p, test.targets()));
            }
            PromptSet curvePrompts = test.head(Math.min(test.size(), 2000));
            Map<String, double[][]> prefixPreds = BaselineCurves.prefixPredictions(curveSet, curvePrompts);
            Map<String, double[]> curves = BaselineCurves.curves(prefixPreds, curvePrompts.targets());
            double evalSeconds = (System.nanoTime() - t0) / 1e9;

            Map<String, Object> metrics = new LinkedHashMap<>(result.metrics());
            metrics.put("eta_star_source", closedApplies ? "closed form" : "line search");
            if (closedApplies) {
                metrics.put("eta_star_closed_form", closed);
                metrics.put("mse.gd_theory", OptimalStepSize.closedFormMse(cfg.task()));
            }
            metrics.put("eta_line_search", searched.eta());
            metrics.put("eta_line_search_se", searched.standardError());
            metrics.put("verdict.one_step_gd", result.verdict());
            if (losses != null && losses.length > 0) {
                metrics.put("train_loss_final", tailMean(losses, 100));
            }
            baselineMse.forEach((name, v) -> metrics.put("baseline_mse." + name, v));
            metrics.put("error_vs_k", curves);

            RunDirectory dir = RunDirectory.create(ws.reportsDir(), kind);
            try {
                org.descent.util.RunManifest manifest = new org.descent.util.RunManifest(dir.runId(), kind,
                        ws.command(), cfg, Provenance.collect(ws.device()));
                Map<String, Object> seeds = new LinkedHashMap<>();
                seeds.put("run_seed", seed);
                seeds.put("test_prompts_seed", frozenTest != null ? null : Seeds.derive(seed, Seeds.TEST, 0));
                seeds.put("line_search_seed", Seeds.derive(seed, Seeds.SEARCH, 0));
                manifest.seeds(seeds);
                Map<String, Object> timings = new LinkedHashMap<>();
                extraManifest.forEach((k, v) -> {
                    switch (k) {
                        case "checkpoint" -> manifest.input("checkpoint", String.valueOf(v),
                                (String) extraManifest.get("checkpoint_params_sha256"),
                                Map.of("sha256_of", "lsa.params"));
                        case "dataset" -> manifest.input("dataset", String.valueOf(v), org.descent.util.AtomicFiles
                                .sha256(Path.of(String.valueOf(v)).resolve(EvaluationDatasets.DATA)),
                                Map.of("sha256_of", EvaluationDatasets.DATA));
                        case "timings" -> ((Map<?, ?>) v).forEach((a, b) -> timings.put(String.valueOf(a), b));
                        case "checkpoint_params_sha256" -> { }
                        default -> manifest.detail(k, v);
                    }
                });
                timings.put("eval_s", evalSeconds);
                manifest.timings(timings);
                Report report = buildReport(cfg, weights, losses, result, metrics, searched, dir.runId(), test.size(),
                        frozenTest != null);
                baselineSection(report, baselineMse, curves);
                report.reproduce(null, "Every number above comes from `metrics.json`; `manifest.json` records the "
                        + "config, seeds, versions, git commit, device and timings. The same config and seed give the "
                        + "same numbers on CPU.");
                org.descent.train.Checkpoints.weightsNpz(weights).write(dir.file(WEIGHTS));
                VerifyOutputs.predictions(test, truth, etaStar, result.perPrompt(), baselinePreds, prefixPreds)
                        .write(dir.file(PREDICTIONS));
                manifest.file(WEIGHTS, AtomicFiles.sha256(dir.file(WEIGHTS)));
                manifest.file(PREDICTIONS, AtomicFiles.sha256(dir.file(PREDICTIONS)));
                report.writeTo(dir, "descent " + kind + " " + dir.runId(),
                        VerifyOutputs.metrics(dir.runId(), kind, result, metrics, baselineMse, curves).toMap(),
                        manifest.toMap());
                return new Compared(dir.publish(), result, metrics);
            } finally {
                dir.discard();
            }
        }
    }

    private static double tailMean(float[] losses, int k) {
        double s = 0;
        int from = Math.max(0, losses.length - k);
        for (int i = from; i < losses.length; i++) {
            s += losses[i];
        }
        return s / (losses.length - from);
    }

    private static Report buildReport(ExperimentConfig cfg, LsaWeights weights, float[] losses,
            OneStepGdComparison.Result result, Map<String, Object> m, OptimalStepSize.Estimate searched, String runId,
            int testCount, boolean frozen) {
        Report r = new Report().literalMath(true); // formulas throughout; bold and code still work
        r.title("Does the trained LSA implement one step of gradient descent?");
        r.paragraph("Run " + Markdown.code(runId) + ". Claim under test (von Oswald et al. 2023, Prop. 1 and §3): a trained "
                + "linear-self-attention layer on in-context linear regression computes one step of gradient descent "
                + "on the in-context least-squares loss, with the step size η\\* that minimises the expected loss.");
        r.command(null);
        r.section("Verdict");
        String verdict = switch (result.verdict()) {
            case "consistent" -> "Consistent** with";
            case "inconsistent" -> "Not consistent** with";
            default -> "Inconclusive** about";
        };
        r.paragraph("**" + verdict + " one step of GD with η\\* = " + Report.num((double) m.get("eta_star")) + " on "
                + testCount + (frozen ? " frozen" : " fresh") + " test prompts. Each check is decided on a bootstrap "
                + "95% interval over the test prompts: pass when the whole interval meets the requirement, FAIL when "
                + "none of it does, inconclusive otherwise. The gap check is two-sided (an equivalence: a model much "
                + "better than one GD step fails it as well as a worse one); the others are one-sided bounds. Scope: "
                + Markdown.text(OneStepGdComparison.SCOPE) + " (`./descent verify --seeds S` tests the claim over S training runs with "
                + "Student t intervals).");
        List<List<String>> rows = new ArrayList<>();
        for (OneStepGdComparison.Check c : result.checks()) {
            rows.add(List.of(c.criterion(), Report.num(c.value()), "[" + Report.num(c.lower()) + ", "
                    + Report.num(c.upper()) + "]", c.requirement(), c.outcome().label()));
        }
        r.table(List.of("check", "measured", "95% interval (prompts)", "required", "result"), rows);

        r.section("Setting");
        r.table(List.of("setting", "value"), List.of(
                List.of("task", TaskDescription.of(cfg.task())),
                List.of("model", cfg.model().layers() + "-layer LSA" + (cfg.model().weightTied() ? " (weight-tied)" : "")
                        + ", init std " + cfg.model().initScale()),
                List.of("training", String.format(Locale.ROOT,
                        "Adam lr %s (%s), β = (%s, %s), batch %d, %d steps, clip %s, seed %d",
                        cfg.train().lr(), cfg.train().schedule(), cfg.train().beta1(), cfg.train().beta2(),
                        cfg.train().batchSize(), cfg.train().steps(), cfg.train().clipNorm(), cfg.train().seed())),
                List.of("loss", "plain mean squared error mean((ŷ − y)²), no ½"),
                List.of("readout", "ŷ = −(last coordinate of the query token after the last layer)")));

        r.section("Test loss");
        r.table(List.of("predictor", "test MSE"), List.of(
                List.of("trained LSA", Report.num((double) m.get("mse.trained"))),
                List.of("one GD step, η*", Report.num((double) m.get("mse.gd"))),
                List.of("one GD step, η* (closed-form expected loss)", m.containsKey("mse.gd_theory")
                        ? Report.num((double) m.get("mse.gd_theory")) : "n/a (no closed form for this task)"),
                List.of("OLS (min-norm)", Report.num((double) m.get("mse.ols"))),
                List.of("zero predictor", Report.num((double) m.get("mse.zero"))),
                List.of("interpolation midpoint (trained ↔ construction)",
                        m.containsKey("interpolation_mse") ? Report.num((double) m.get("interpolation_mse")) : "n/a")));

        if (m.containsKey("interpolation_beta")) {
            r.paragraph(String.format(Locale.ROOT, "Interpolation midpoint: the trained layer rescaled to "
                    + "(W_KᵀW_Q/β, P W_V·β) with β = %s, the mean diagonal of (W_KᵀW_Q)[:d,:d] (a negative β is the "
                    + "sign symmetry (W_KᵀW_Q, P W_V) → (−W_KᵀW_Q, −P W_V) of the same function), averaged with the "
                    + "GD(η*) construction.", Report.num((double) m.get("interpolation_beta"))));
        }
        r.section("Agreement with GD(η*)");
        r.table(List.of("metric", "value", "definition"), List.of(
                List.of("preds diff", Report.num((double) m.get("preds_diff")), "mean |ŷ_LSA − ŷ_GD|"),
                List.of("preds RMS", Report.num((double) m.get("preds_rms")), "sqrt(mean (ŷ_LSA − ŷ_GD)²)"),
                List.of("model diff", Report.num((double) m.get("model_diff")),
                        "mean ‖∂ŷ_LSA/∂x_q − ∂ŷ_GD/∂x_q‖₂ (autograd)"),
                List.of("model cos", Report.num((double) m.get("model_cos")),
                        "mean per-prompt cosine of the two Jacobians")));

        r.section("Step size");
        r.paragraph(String.format(Locale.ROOT, "Closed form η\\* = N / (s (N + κ + d − 2) + σ²/ω) (isotropic inputs, "
                + "w ~ N(0, ωI): ω = 1, or 1/s for the inverse-covariance prior) = %s. Numerical line "
                + "search (Brent) on %d Monte-Carlo prompts: %s ± %s (batch-means standard error). The comparison "
                + "uses the %s.", m.containsKey("eta_star_closed_form")
                        ? Report.num((double) m.get("eta_star_closed_form"))
                        : "n/a (no closed form: anisotropic inputs, nonlinear labels or another prior)",
                cfg.eval().searchPrompts(), Report.num(searched.eta()), Report.num(searched.standardError()),
                m.get("eta_star_source")));

        if (result.gammaEff() != null) {
            DMatrixRMaj g = result.gammaEff();
            double[][] gm = new double[g.numRows][g.numCols];
            for (int i = 0; i < g.numRows; i++) {
                for (int j = 0; j < g.numCols; j++) {
                    gm[i][j] = g.get(i, j);
                }
            }
            r.section("Effective preconditioner Γ_eff");
            r.paragraph(String.format(Locale.ROOT, "Γ_eff = −v Aᵀ with A = (W_KᵀW_Q)[:d,:d], v = (P W_V)[d,d]. "
                    + "Scalar fit tr(Γ_eff)/d = %s (η\\* = %s); ‖Γ_eff − η\\* I‖_F / ‖η\\* I‖_F = %s. "
                    + "Norms of the blocks that should vanish: ‖(P W_V)[d,:d]‖ = %s, ‖(W_KᵀW_Q)[d,:d]‖ = %s.",
                    Report.num((double) m.get("gamma_eff_scalar")), Report.num((double) m.get("eta_star")),
                    Report.num((double) m.get("gamma_eff_residual")), Report.num((double) m.get("norm.pv_label_row_x")),
                    Report.num((double) m.get("norm.kq_label_row_x"))));
            r.figure("gamma_eff", "Γ_eff of the trained layer (white is 0; values in the cells)",
                    Plots.heatMap("Γ_eff of the trained layer", gm));
        }
        if (losses != null && losses.length > 0) {
            r.section("Training");
            r.paragraph("Top: the training loss (on training batches) with the test MSE of GD(η\\*) and of the trained "
                    + "LSA. Bottom, on a log scale: how far the training loss is from GD(η\\*)'s test MSE, and where "
                    + "the trained LSA's test MSE lies relative to it (the relative gap in the verdict table).");
            r.figure("loss_curve", "training loss and test MSE levels (top); distance from the GD(η*) level, log "
                    + "scale (bottom)", Plots.lossCurve(losses, List.of(
                            new Plots.Level("GD(η*) test MSE", (double) m.get("mse.gd")),
                            new Plots.Level("trained LSA test MSE", (double) m.get("mse.trained")))));
        }
        return r;
    }

    private static void baselineSection(Report r, Map<String, Double> mse, Map<String, double[]> curves) {
        r.section("Baselines");
        List<List<String>> rows = new ArrayList<>();
        mse.forEach((name, v) -> rows.add(List.of(name, Report.num(v))));
        r.table(List.of("baseline", "test MSE"), rows);
        int n = curves.values().iterator().next().length;
        double[] ks = new double[n];
        for (int k = 1; k <= n; k++) {
            ks[k - 1] = k;
        }
        List<Plots.Curve> cs = new ArrayList<>();
        // the trained model and its reference first: the most distinct colours, solid against dashed
        curves.entrySet().stream().sorted(java.util.Comparator.comparingInt(e -> e.getKey().equals("trained LSA") ? 0
                : e.getKey().startsWith("GD(") ? 1 : 2)).forEach(e -> cs.add(new Plots.Curve(e.getKey(), ks,
                e.getValue())));
        r.paragraph("Error against the number of in-context examples k (every prefix of the first 2,000 test prompts, "
                + "query kept), normalised by the zero predictor's error at k = N (Garg et al. 2022). The log axis "
                + "stops at 1e-4: smaller values (OLS is exact, up to rounding, once k ≥ d) are drawn on that floor "
                + "and the legend says how many; the exact values are in `metrics.json` (`error_vs_k`).");
        r.figure("error_vs_k", "normalised error vs k", Plots.curves("Normalised error vs in-context examples", "k",
                "MSE / MSE(zero)", cs, true, 1e-4, 1e2));
    }

    /** SHA-256 of the checkpoint's parameter file, for manifests. */
    public static String parameterChecksum(Path checkpoint) {
        return AtomicFiles.sha256(checkpoint.resolve("lsa.params"));
    }
}
