package org.descent.probe;

import java.util.List;

/**
 * Canonical names of the hypotheses the built-in probes test. A probe may test other hypotheses under its own names
 * (lower-case, dash-separated); these are the ones whose verdicts are combined across probes in the summary.
 */
public final class Hypotheses {
    /** ŷ = η x_q·h, h = Σ y_i x_i / N: one plain GD step from w₀ = 0 (von Oswald et al. 2023). */
    public static final String ONE_STEP_GD = "one-step-gd";
    /** One GD step with the optimal step size η* of the task (the claim of {@code descent verify}). */
    public static final String OPTIMAL_ONE_STEP_GD = "optimal-one-step-gd";
    /** ŷ = x_qᵀ Γ h for some fixed Γ [d, d]: one preconditioned GD step (Ahn et al. 2023). */
    public static final String PRECONDITIONED_GD = "preconditioned-gd";
    /** K plain GD steps with some step sizes η_1..η_K, K ≤ the probe's maximum. */
    public static final String K_STEP_GD = "k-step-gd";
    /** K GD++ layers: GD steps plus the curvature correction x ← (I − γ C) x (von Oswald et al. 2023, §4). */
    public static final String GD_PLUS_PLUS = "gd-plus-plus";
    /** The model predicts like per-prompt least squares (OLS, or ridge with a small λ) (Akyürek et al. 2023). */
    public static final String OLS_LIKE = "ols-like";
    /** Predictions do not depend on the order of the context examples (every full-batch algorithm). */
    public static final String ORDER_INVARIANT = "order-invariant";

    /** The gradient-descent hypotheses (the random-model fixture must be inconsistent with each). */
    public static final List<String> GRADIENT_DESCENT = List.of(ONE_STEP_GD, PRECONDITIONED_GD, K_STEP_GD);

    /** Every hypothesis about a full-batch algorithm, all of which predict order invariance. */
    public static final List<String> FULL_BATCH =
            List.of(ONE_STEP_GD, PRECONDITIONED_GD, K_STEP_GD, GD_PLUS_PLUS, OLS_LIKE);

    private Hypotheses() {}
}
