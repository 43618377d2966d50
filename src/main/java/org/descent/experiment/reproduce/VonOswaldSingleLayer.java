package org.descent.experiment.reproduce;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.compare.OneStepGdComparison;
import org.descent.compare.PredictionMetrics;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.OneStepGdExperiment;
import org.descent.model.LsaRegressor;
import org.descent.oracle.OneStepGdConstruction;
import org.descent.oracle.OptimalStepSize;
import org.descent.report.Report;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;

/**
 * von Oswald et al. 2023, single layer: d = N = 10, x ~ U(−1, 1)^d, w ~ N(0, I), no noise. A trained 1-layer LSA
 * matches one GD step with the optimal η*: the same test loss, aligned predictions and sensitivities, Γ_eff = η* I,
 * and the weight interpolation midpoint reaches the same loss.
 */
public final class VonOswaldSingleLayer implements Preset {
    static final double MAX_GAP = 0.01;
    static final double MIN_COS = 0.999;
    static final double MAX_PREDS_DIFF = 0.05;
    static final double MAX_GAMMA_RESIDUAL = 0.05;

    private final ExperimentConfig config;

    /** The paper's setting (the README's defaults). */
    public VonOswaldSingleLayer() {
        this(ExperimentConfig.defaults());
    }

    /**
     * The same claim on any task and model: trained LSA vs one GD step with η* (closed form where it applies,
     * line search otherwise). {@code descent verify --seeds S} runs this.
     */
    public VonOswaldSingleLayer(ExperimentConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "von-oswald-single-layer";
    }

    @Override
    public double secondsPerSeed() {
        return 15;
    }

    @Override
    public String paper() {
        return "von Oswald et al. 2023, Transformers learn in-context by gradient descent (ICML), §3, Fig. 2";
    }

    @Override
    public String claim() {
        return "On in-context linear regression (d = N = 10, w ~ N(0, I)), a single trained linear-self-attention layer "
                + "implements one step of gradient descent on the in-context least-squares loss with the optimal step "
                + "size: its test loss equals GD(η*)'s, its predictions and input sensitivities match (cosine ≈ 1), "
                + "and its weights equal the construction up to scaling.";
    }

    @Override
    public PresetResult run(PresetRun run) {
        ExperimentConfig cfg = config;
        OptimalStepSize.Choice etaChoice = OptimalStepSize.choose(cfg.task(), () -> run.prompts(cfg.task(),
                run.seeds().get(0), Seeds.SEARCH, cfg.eval().searchPrompts()));
        double eta = etaChoice.eta();
        int d = cfg.task().d();
        List<SeedSample> gap = new ArrayList<>();
        List<SeedSample> cos = new ArrayList<>();
        List<SeedSample> pd = new ArrayList<>();
        List<SeedSample> gammaRes = new ArrayList<>();
        List<SeedSample> interp = new ArrayList<>();
        List<Map<String, Object>> perSeed = new ArrayList<>();
        OneStepGdComparison.Result last = null;
        float[] lastLosses = null;
        List<PresetRun.Job> jobs = new ArrayList<>();
        for (long seed : run.seeds()) {
            jobs.add(new PresetRun.Job(cfg.model().layers() + "-layer LSA", cfg, seed));
        }
        java.util.Iterator<OneStepGdExperiment.Trained> trained = run.trainAll(jobs).iterator();
        for (long seed : run.seeds()) {
            OneStepGdExperiment.Trained t = trained.next();
            long e0 = System.nanoTime();
            PromptSet test = run.prompts(cfg.task(), seed, Seeds.TEST, cfg.eval().testPrompts());
            LsaRegressor model = new LsaRegressor("trained", t.state().weights(), run.manager());
            LsaRegressor gd = new LsaRegressor("GD(η*)", OneStepGdConstruction.weights(d, eta), run.manager());
            double[] pm = model.predict(test);
            double[] pg = gd.predict(test);
            double[] y = test.targets();
            double[][] jm = model.queryJacobians(test);
            double[][] jg = gd.queryJacobians(test);
            gap.add(SeedSample.relativeGap(PredictionMetrics.squaredErrors(pm, y), PredictionMetrics.squaredErrors(pg, y)));
            cos.add(SeedSample.mean(PredictionMetrics.cosines(jm, jg)));
            String out = "seed" + seed + ".";
            run.outputPrompts(out, test);
            run.output(out + "pred.trained", pm);
            run.output(out + "pred.gd", pg);
            run.output(out + "jac.trained", jm);
            run.output(out + "jac.gd", jg);
            run.outputWeights(out, t.state().weights());
            pd.add(SeedSample.mean(PredictionMetrics.absoluteDifferences(pm, pg)));
            last = OneStepGdComparison.compare(t.state().weights(), test, eta,
                    OneStepGdComparison.Thresholds.defaults(), run.manager());
            lastLosses = t.state().losses();
            if (cfg.model().layers() == 1) {
                gammaRes.add(SeedSample.fixed((double) last.metrics().get("gamma_eff_residual")));
                interp.add(SeedSample.fixed((double) last.metrics().get("interpolation_mse")
                        / (double) last.metrics().get("mse.gd") - 1));
            }
            Map<String, Object> m = new LinkedHashMap<>(last.metrics());
            m.put("seed", seed);
            perSeed.add(m);
            run.time("eval_s", (System.nanoTime() - e0) / 1e9);
        }
        List<Headline> heads = new ArrayList<>(List.of(
                SeedSample.within("mse.relative_gap", "relative MSE gap, trained vs GD(η*)", gap, MAX_GAP),
                SeedSample.atLeast("model_cos", "model cos (∂ŷ/∂x_q)", cos, MIN_COS),
                SeedSample.atMost("preds_diff", "preds diff", pd, MAX_PREDS_DIFF)));
        if (!gammaRes.isEmpty()) {
            heads.add(SeedSample.atMost("gamma_eff_residual", "‖Γ_eff − η*I‖_F / ‖η*I‖_F", gammaRes,
                    MAX_GAMMA_RESIDUAL));
            heads.add(SeedSample.info("interpolation_mse_gap", "interpolation midpoint MSE / GD(η*) MSE − 1", interp));
        }
        OneStepGdComparison.Result shown = last;
        float[] losses = lastLosses;
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("eta_star", eta);
        metrics.put("eta_star_method", etaChoice.method());
        metrics.put("per_seed", perSeed);
        return new PresetResult(heads, metrics, r -> {
            r.section("Details (last seed)");
            List<List<String>> rows = new ArrayList<>();
            for (String k : List.of("mse.trained", "mse.gd", "mse.ols", "mse.zero", "interpolation_mse",
                    "preds_diff", "model_diff", "model_cos", "gamma_eff_scalar", "gamma_eff_residual")) {
                if (shown.metrics().get(k) instanceof Double v) {
                    rows.add(List.of(k, Report.num(v)));
                }
            }
            r.table(List.of("metric", "value"), rows);
            r.figure("loss_curve", "training loss with the test MSE of GD(η*) and of the trained LSA (top); distance "
                    + "from the GD(η*) level, log scale (bottom)", org.descent.report.Plots.lossCurve(losses, List.of(
                            new org.descent.report.Plots.Level("GD(η*) test MSE", (double) shown.metrics().get("mse.gd")),
                            new org.descent.report.Plots.Level("trained LSA test MSE",
                                    (double) shown.metrics().get("mse.trained")))));
            if (shown.gammaEff() != null) {
                r.figure("gamma_eff", "Γ_eff", org.descent.report.Plots.heatMap("Γ_eff (last seed)",
                        Matrices.toArray(shown.gammaEff())));
            }
        }, Map.of("experiment", cfg));
    }
}
