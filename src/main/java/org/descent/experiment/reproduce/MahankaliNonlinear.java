package org.descent.experiment.reproduce;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.compare.AlgorithmDistances;
import org.descent.compare.PredictionMetrics;
import org.descent.experiment.EvalConfig;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.OneStepGdExperiment;
import org.descent.model.LsaRegressor;
import org.descent.model.ModelConfig;
import org.descent.oracle.EffectivePreconditioner;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.OptimalStepSize;
import org.descent.report.Plots;
import org.descent.report.Report;
import org.descent.task.PromptSet;
import org.descent.task.Seeds;
import org.descent.task.TaskConfig;
import org.descent.train.TrainConfig;
import org.descent.util.Schema;

/**
 * Mahankali, Hashimoto, Ma 2023: for isotropic Gaussian inputs and nonlinear responses y = f(w·x), the optimal
 * single-layer LSA is still one step of plain GD. Trained 1-layer LSAs on tanh (tested) and ReLU (shown) responses are
 * fitted behaviourally with ŷ ≈ x_qᵀ Γ h; Γ_fit should be a multiple of I.
 */
final class MahankaliNonlinear implements Preset {
    static final String[] RESPONSES = {TaskConfig.RESPONSE_TANH, TaskConfig.RESPONSE_RELU};
    static final double MAX_DIST = 0.1;
    static final double MAX_GAP_TO_GD = 0.01;
    static final int STEPS = 4000;

    @Override
    public String name() {
        return "mahankali-nonlinear";
    }

    @Override
    public double secondsPerSeed() {
        return 25;
    }

    @Override
    public String paper() {
        return "Mahankali, Hashimoto, Ma 2023, One step of gradient descent is provably the optimal in-context learner "
                + "with one layer of linear self-attention (ICLR 2024), §5 (nonlinear target functions)";
    }

    @Override
    public String claim() {
        return "With x ~ N(0, I) and a nonlinear response y = f(w·x), the loss-minimising one-layer linear "
                + "self-attention still implements one step of plain (unpreconditioned) gradient descent: the trained "
                + "model's behavioural preconditioner Γ_fit is a multiple of the identity (Dist(Γ_fit, I) small) and "
                + "its loss matches the best plain GD step.";
    }

    static ExperimentConfig config(String response) {
        TaskConfig task = new TaskConfig(10, 10, TaskConfig.GAUSSIAN, 1.0, 0.0).withResponse(response);
        TrainConfig b = TrainConfig.defaults();
        return new ExperimentConfig(task, ModelConfig.defaults(), new TrainConfig(STEPS, b.batchSize(), 2e-3,
                b.beta1(), b.beta2(), b.epsilon(), b.clipNorm(), TrainConfig.COSINE, 0, 0.0, 0L, 0),
                EvalConfig.defaults());
    }

    @Override
    public PresetResult run(PresetRun run) {
        List<Headline> heads = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        Map<String, Object> configs = new LinkedHashMap<>();
        Map<String, double[][]> fits = new LinkedHashMap<>();
        List<PresetRun.Job> jobs = new ArrayList<>();
        for (String response : RESPONSES) {
            for (long seed : run.seeds()) {
                jobs.add(new PresetRun.Job("1-layer LSA, " + response, config(response), seed));
            }
        }
        java.util.Iterator<OneStepGdExperiment.Trained> trained = run.trainAll(jobs).iterator();
        for (String response : RESPONSES) {
            ExperimentConfig cfg = config(response);
            configs.put(response, cfg);
            List<SeedSample> dist = new ArrayList<>();
            List<SeedSample> gap = new ArrayList<>();
            List<SeedSample> r2 = new ArrayList<>();
            for (long seed : run.seeds()) {
                OneStepGdExperiment.Trained t = trained.next(); // response, seed: the order of jobs
                long e0 = System.nanoTime();
                PromptSet test = run.prompts(cfg.task(), seed, Seeds.TEST, cfg.eval().testPrompts());
                PromptSet search = run.prompts(cfg.task(), seed, Seeds.SEARCH, cfg.eval().searchPrompts());
                double eta = OptimalStepSize.choose(cfg.task(), () -> search).eta(); // line search: nonlinear labels
                LsaRegressor model = new LsaRegressor("trained", t.state().weights(), run.manager());
                AlgorithmDistances.PgdFit fit = AlgorithmDistances.pgdFit(model, test, null);
                double[] y = test.targets();
                double[] pm = model.predict(test);
                double[] pg = GradientDescentOracle.oneStep(eta).predict(test);
                double[] seM = PredictionMetrics.squaredErrors(pm, y);
                double[] seG = PredictionMetrics.squaredErrors(pg, y);
                String out = response + ".seed" + seed + ".";
                run.outputPrompts(out, test);
                run.output(out + "pred.trained", pm);
                run.output(out + "pred.gd_best", pg);
                run.outputWeights(out, t.state().weights());
                dist.add(SeedSample.fixed(fit.distanceToIdentity()));
                gap.add(SeedSample.relativeGap(seM, seG));
                r2.add(SeedSample.fixed(fit.rSquared()));
                double distEff = AlgorithmDistances.distanceToIdentity(
                        EffectivePreconditioner.of(t.state().weights(), 0).gamma());
                rows.add(List.of(response, Long.toString(seed), Report.num(fit.distanceToIdentity()),
                        Report.num(distEff), Report.num(fit.rSquared()), Report.num(AhnPreconditioned.mean(seM)),
                        Report.num(AhnPreconditioned.mean(seG)), Report.num(eta)));
                if (seed == run.seeds().get(0)) {
                    fits.put("gamma_fit_" + response, Matrices.toArray(fit.gamma()));
                }
                run.time("eval_s", (System.nanoTime() - e0) / 1e9);
            }
            boolean tested = response.equals(TaskConfig.RESPONSE_TANH);
            String k = Schema.segment(response) + ".";
            heads.add(tested ? SeedSample.atMost(k + "gamma_fit_dist", response + ": Dist(Γ_fit, I)", dist, MAX_DIST)
                    : SeedSample.info(k + "gamma_fit_dist", response + ": Dist(Γ_fit, I)", dist));
            heads.add(tested ? SeedSample.within(k + "mse_gap_to_best_gd", response
                    + ": MSE(trained)/MSE(best plain GD) − 1", gap, MAX_GAP_TO_GD)
                    : SeedSample.info(k + "mse_gap_to_best_gd", response + ": MSE(trained)/MSE(best plain GD) − 1",
                            gap));
            heads.add(SeedSample.info(k + "fit_r2", response + ": behavioural fit R²", r2));
        }
        return new PresetResult(heads, Map.of(), r -> {
            r.section("Details");
            r.paragraph("x ~ N(0, I), w ~ N(0, I), d = N = 10, no noise; y = tanh(w·x) or relu(w·x). Γ_fit: least squares "
                    + "of ŷ on the d² features x_q ⊗ h over 10,000 test prompts; Γ_eff: read off the weights. Best plain "
                    + "GD: η by line search. ReLU responses have a non-zero mean that no LSA output (odd in x_q) can "
                    + "represent, so its R² is lower; it is shown for context.");
            r.table(List.of("response", "seed", "Dist(Γ_fit, I)", "Dist(Γ_eff, I)", "fit R²", "MSE trained",
                    "MSE best GD", "η (GD)"), rows);
            org.descent.report.HeatMap.Scale shared = org.descent.report.HeatMap.Scale.symmetric(fits.values());
            for (Map.Entry<String, double[][]> f : fits.entrySet()) {
                r.figure(f.getKey(), f.getKey().replace("_", " ") + " (one colour scale for all maps here)",
                        Plots.heatMap(f.getKey().replace("_", " "), f.getValue(), shared));
            }
        }, configs);
    }
}
