package org.descent.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.oracle.AveragingOracle;
import org.descent.oracle.GradientDescentOracle;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.oracle.NearestNeighborsOracle;
import org.descent.oracle.OptimalStepSize;
import org.descent.regressor.InContextRegressor;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;

/**
 * The classical in-context baselines of every task, and error-vs-context-length curves: each regressor is evaluated on
 * every prefix k = 1..N of the same prompts (the query kept), normalised by the zero predictor's error at full length
 * (for x ~ N(0, I), w ~ N(0, I) that is d, as in Garg et al. 2022).
 */
public final class BaselineCurves {
    private BaselineCurves() {}

    /**
     * The baselines: OLS (min-norm), ridge with λ = σ² (when σ > 0; Bayes-optimal for w ~ N(0, I) only) and a small
     * grid, 3-NN, averaging, GD(η*). Prefer {@link #baselines(TaskConfig, double)}, which knows the weight prior.
     */
    public static List<InContextRegressor> baselines(double noise, double etaStar) {
        return withRidge(noise > 0 ? noise * noise : 0, etaStar);
    }

    /**
     * The baselines for {@code task}: as {@link #baselines(double, double)} but the first ridge uses the Bayes λ of
     * the task's prior, {@code σ²/ω} for w ~ N(0, ωI) ({@link #bayesRidgeLambda}); tasks without an isotropic Gaussian
     * prior get only the fixed grid.
     */
    public static List<InContextRegressor> baselines(TaskConfig task, double etaStar) {
        double lambda = bayesRidgeLambda(task);
        return withRidge(Double.isNaN(lambda) ? 0 : lambda, etaStar);
    }

    /**
     * The Bayes-optimal ridge λ = σ²/ω for linear labels with w ~ N(0, ωI) (ω = 1, or 1/s for the inverse-covariance
     * prior with isotropic inputs) and σ > 0; NaN where there is none.
     */
    public static double bayesRidgeLambda(TaskConfig task) {
        if (task.noise() <= 0 || !OptimalStepSize.closedFormApplies(task)) {
            return Double.NaN;
        }
        return task.noise() * task.noise() / OptimalStepSize.weightVariance(task);
    }

    private static List<InContextRegressor> withRidge(double bayesLambda, double etaStar) {
        List<InContextRegressor> out = new ArrayList<>();
        out.add(LeastSquaresOracle.ols());
        if (bayesLambda > 0) {
            out.add(LeastSquaresOracle.ridge(bayesLambda));
        }
        for (double lambda : new double[] {0.01, 0.1, 1.0}) {
            out.add(LeastSquaresOracle.ridge(lambda));
        }
        out.add(NearestNeighborsOracle.threeNearest());
        out.add(new AveragingOracle());
        out.add(GradientDescentOracle.oneStep(etaStar).named("GD(η*)"));
        return out;
    }

    /** Test MSE of each regressor, by name, in order. */
    public static Map<String, Double> mse(List<? extends InContextRegressor> regressors, PromptSet prompts) {
        Map<String, Double> out = new LinkedHashMap<>();
        double[] y = prompts.targets();
        for (InContextRegressor r : regressors) {
            out.put(r.name(), PredictionMetrics.mse(r.predict(prompts), y));
        }
        return out;
    }

    /**
     * Normalised error per prefix.
     *
     * @return name → {@code [N]} errors for k = 1..N, divided by the zero predictor's MSE on the full prompts
     */
    public static Map<String, double[]> curves(List<? extends InContextRegressor> regressors, PromptSet prompts) {
        return curves(prefixPredictions(regressors, prompts), prompts.targets());
    }

    /**
     * Each regressor's predictions on every prefix k = 1..N of {@code prompts} (query kept).
     *
     * @return name → {@code [B][N]}: row b, column k − 1 is the prediction for prompt b from its first k examples
     */
    public static Map<String, double[][]> prefixPredictions(List<? extends InContextRegressor> regressors,
            PromptSet prompts) {
        Map<String, double[][]> out = new LinkedHashMap<>();
        for (InContextRegressor r : regressors) {
            double[][] p = new double[prompts.size()][prompts.n()];
            for (int k = 1; k <= prompts.n(); k++) {
                double[] pk = r.predict(prompts.prefix(k));
                for (int b = 0; b < pk.length; b++) {
                    p[b][k - 1] = pk[b];
                }
            }
            out.put(r.name(), p);
        }
        return out;
    }

    /**
     * Normalised error per prefix from {@link #prefixPredictions}: {@code mean_b (p[b][k−1] − y_b)² / mean_b y_b²}
     * (the zero predictor's MSE on the full prompts).
     */
    public static Map<String, double[]> curves(Map<String, double[][]> prefixPredictions, double[] targets) {
        double norm = PredictionMetrics.mse(new double[targets.length], targets);
        Map<String, double[]> out = new LinkedHashMap<>();
        prefixPredictions.forEach((name, p) -> {
            int n = p.length == 0 ? 0 : p[0].length;
            double[] c = new double[n];
            double[] column = new double[p.length];
            for (int k = 0; k < n; k++) {
                for (int b = 0; b < p.length; b++) {
                    column[b] = p[b][k];
                }
                c[k] = PredictionMetrics.mse(column, targets) / norm;
            }
            out.put(name, c);
        });
        return out;
    }
}
