package org.descent.probe;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Canonical names of the hypotheses the built-in probes test, and how they nest. A probe may test other hypotheses
 * under its own names (lower-case, dash-separated); every verdict is combined across probes in the summary.
 *
 * <p><b>Nesting.</b> {@link #PARENTS} lists, for each hypothesis, the hypotheses that contain it (every model of the
 * child is a model of the parent): one GD step with η* is one GD step; one GD step is one preconditioned step
 * (Γ = ηI) and K-step GD (K = 1); K-step GD is GD++ (γ = 0); OLS is the λ → 0 end of ridge; every full-batch
 * algorithm is order-invariant. {@link ProbeRun#combine} uses the nesting so that the summary is coherent: a nested
 * hypothesis is never more consistent than one that contains it.
 */
public final class Hypotheses {
    /** ŷ = η x_q·h with η &gt; 0, h = Σ y_i x_i / N: one plain GD step from w₀ = 0 (von Oswald et al. 2023). */
    public static final String ONE_STEP_GD = "one-step-gd";
    /** One GD step with the optimal step size η* of the task (the claim of {@code descent verify}). */
    public static final String OPTIMAL_ONE_STEP_GD = "optimal-one-step-gd";
    /** ŷ = x_qᵀ Γ h for some fixed Γ [d, d] with sym(Γ) ≻ 0: one preconditioned descent step (Ahn et al. 2023). */
    public static final String PRECONDITIONED_GD = "preconditioned-gd";
    /** K plain GD steps with step sizes η_1..η_K ≥ 0 (η_1 &gt; 0), K ≤ the probe's maximum. */
    public static final String K_STEP_GD = "k-step-gd";
    /** K GD++ layers: GD steps plus the curvature correction x ← (I − γ C) x (von Oswald et al. 2023, §4). */
    public static final String GD_PLUS_PLUS = "gd-plus-plus";
    /** The model predicts like per-prompt least squares (OLS) (Akyürek et al. 2023). */
    public static final String OLS_LIKE = "ols-like";
    /** The model predicts like per-prompt ridge regression with some λ ≥ 0 (Akyürek et al. 2023). */
    public static final String RIDGE = "ridge";
    /** k iterations of Newton's method for S⁻¹, S = XᵀX/N, from M₀ = αS (Fu et al. 2023). */
    public static final String ITERATIVE_NEWTON = "iterative-newton";
    /** Predictions do not depend on the order of the context examples (every full-batch algorithm). */
    public static final String ORDER_INVARIANT = "order-invariant";

    /** The gradient-descent hypotheses (a random model must be inconsistent with each). */
    public static final List<String> GRADIENT_DESCENT = List.of(ONE_STEP_GD, OPTIMAL_ONE_STEP_GD, PRECONDITIONED_GD,
            K_STEP_GD, GD_PLUS_PLUS);

    /** Every hypothesis about a full-batch algorithm, all of which predict order invariance. */
    public static final List<String> FULL_BATCH = List.of(ONE_STEP_GD, OPTIMAL_ONE_STEP_GD, PRECONDITIONED_GD,
            K_STEP_GD, GD_PLUS_PLUS, OLS_LIKE, RIDGE, ITERATIVE_NEWTON);

    /** Every canonical hypothesis, in the order summaries list them. */
    public static final List<String> ALL = List.of(ONE_STEP_GD, OPTIMAL_ONE_STEP_GD, PRECONDITIONED_GD, K_STEP_GD,
            GD_PLUS_PLUS, ITERATIVE_NEWTON, RIDGE, OLS_LIKE, ORDER_INVARIANT);

    /** Hypothesis → the hypotheses that directly contain it. */
    public static final Map<String, List<String>> PARENTS = Map.of(
            OPTIMAL_ONE_STEP_GD, List.of(ONE_STEP_GD),
            ONE_STEP_GD, List.of(PRECONDITIONED_GD, K_STEP_GD),
            K_STEP_GD, List.of(GD_PLUS_PLUS),
            OLS_LIKE, List.of(RIDGE),
            PRECONDITIONED_GD, List.of(ORDER_INVARIANT),
            GD_PLUS_PLUS, List.of(ORDER_INVARIANT),
            RIDGE, List.of(ORDER_INVARIANT),
            ITERATIVE_NEWTON, List.of(ORDER_INVARIANT));

    private Hypotheses() {}

    /** Every hypothesis that contains {@code h}, transitively (not {@code h} itself). */
    public static Set<String> ancestors(String h) {
        Set<String> out = new LinkedHashSet<>();
        collect(h, out, true);
        return out;
    }

    /** Every hypothesis contained in {@code h}, transitively (not {@code h} itself). */
    public static Set<String> descendants(String h) {
        Set<String> out = new LinkedHashSet<>();
        collect(h, out, false);
        return out;
    }

    private static void collect(String h, Set<String> out, boolean up) {
        if (up) {
            for (String p : PARENTS.getOrDefault(h, List.of())) {
                if (out.add(p)) {
                    collect(p, out, true);
                }
            }
        } else {
            PARENTS.forEach((child, parents) -> {
                if (parents.contains(h) && out.add(child)) {
                    collect(child, out, false);
                }
            });
        }
    }
}
