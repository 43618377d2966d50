package org.descent.compare;

import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;

/**
 * How closely two in-context regressors agree on a prompt set (the README's metrics): preds diff, preds RMS (whose
 * square
 * is SPD), model diff and model cos of the query Jacobians, and each one's MSE.
 *
 * @param mseA test MSE of A
 * @param mseB test MSE of B
 * @param predsDiff mean |ŷ_A − ŷ_B|
 * @param predsRms sqrt(mean (ŷ_A − ŷ_B)²)
 * @param modelDiff mean ‖∂ŷ_A/∂x_q − ∂ŷ_B/∂x_q‖₂
 * @param modelCos mean per-prompt cosine of the Jacobians
 */
public record Alignment(double mseA, double mseB, double predsDiff, double predsRms, double modelDiff,
        double modelCos) {

    /** Evaluates both regressors on {@code prompts} and compares them. */
    public static Alignment of(QuerySensitivity a, QuerySensitivity b, PromptSet prompts) {
        return of(a.predict(prompts), a.queryJacobians(prompts), b.predict(prompts), b.queryJacobians(prompts),
                prompts.targets());
    }

    /** Compares precomputed predictions {@code [B]} and Jacobians {@code [B][d]}. */
    public static Alignment of(double[] predA, double[][] jacA, double[] predB, double[][] jacB, double[] targets) {
        return new Alignment(PredictionMetrics.mse(predA, targets), PredictionMetrics.mse(predB, targets),
                PredictionMetrics.predsDiff(predA, predB), PredictionMetrics.predsRms(predA, predB),
                PredictionMetrics.modelDiff(jacA, jacB), PredictionMetrics.modelCos(jacA, jacB));
    }
}
