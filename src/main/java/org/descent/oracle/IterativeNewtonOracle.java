package org.descent.oracle;

import java.util.ArrayList;
import java.util.List;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Iterative Newton (Newton–Schulz) for the in-context least-squares problem (Fu et al. 2023, arXiv 2310.17086), in
 * EJML double precision: a competing hypothesis to gradient descent.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context examples, {@code d} input dimension; per prompt
 * {@code X [N, d]}, {@code y [N]}, {@code S = XᵀX/N [d, d]}, {@code h = Xᵀy/N [d]}, {@code M_t [d, d]}.
 *
 * <p>{@code M₀ = αS}, {@code M_{t+1} = 2M_t − M_t S M_t}; after k iterations {@code ŷ = x_qᵀ M_k h}, so
 * {@code ∂ŷ/∂x_q = M_k h} exactly. α is one fixed scalar of the oracle, shared by all prompts (not rescaled per
 * prompt). Since {@code I − M_{t+1}S = (I − M_t S)²}, {@code I − M_k S = (I − αS²)^{2^k}}: the iteration converges
 * to the minimum-norm least-squares solution iff {@code 0 < α < 2/λ_max(S)²}, quadratically once close, and with
 * {@code α > 2/λ_max(S)²} it diverges doubly exponentially in k. k = 0 is one preconditioned step with Γ = αS.
 * {@link NewtonSpectralReference} computes the same function from the closed form, without the iteration.
 *
 * <p>{@link #fit} fits (k, α) to given targets (e.g. a model's predictions).
 */
public final class IterativeNewtonOracle implements org.descent.regressor.LinearInQuery {
    /** α is searched over {@code [α_max · 10^−ALPHA_DECADES, α_max]}, {@code α_max = 2/max_b λ_max(S_b)²}. */
    static final int ALPHA_DECADES = 6;
    /** Log-grid density of the α search before Brent refinement. */
    static final int GRID_POINTS_PER_DECADE = 20;

    private final int iterations;
    private final double alpha;

    private IterativeNewtonOracle(int iterations, double alpha) {
        if (iterations < 0) {
            throw new IllegalArgumentException("Newton oracle: iterations must be >= 0, got " + iterations);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("Newton oracle: α must be finite and > 0, got " + alpha);
        }
        this.iterations = iterations;
        this.alpha = alpha;
    }

    /** k Newton iterations from {@code M₀ = αS}. */
    public static IterativeNewtonOracle of(int iterations, double alpha) {
        return new IterativeNewtonOracle(iterations, alpha);
    }

    /** Number of iterations k. */
    public int iterations() {
        return iterations;
    }

    /** The initial scale α of {@code M₀ = αS}. */
    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return String.format("Newton×%d(α=%.4g)", iterations, alpha);
    }

    /** {@code S = XᵀX/N [d, d]} of prompt b. */
    static DMatrixRMaj covariance(PromptSet prompts, int b) {
        DMatrixRMaj x = new DMatrixRMaj(prompts.contextInputs(b)); // [N, d]
        DMatrixRMaj s = new DMatrixRMaj(prompts.d(), prompts.d());
        CommonOps_DDRM.multTransA(x, x, s);
        CommonOps_DDRM.scale(1.0 / prompts.n(), s);
        return s;
    }

    /** {@code h = Xᵀy/N [d]} of prompt b. */
    static DMatrixRMaj moment(PromptSet prompts, int b) {
        DMatrixRMaj x = new DMatrixRMaj(prompts.contextInputs(b)); // [N, d]
        DMatrixRMaj y = new DMatrixRMaj(prompts.n(), 1, true, prompts.contextLabels(b)); // [N, 1]
        DMatrixRMaj h = new DMatrixRMaj(prompts.d(), 1);
        CommonOps_DDRM.multTransA(x, y, h);
        CommonOps_DDRM.scale(1.0 / prompts.n(), h);
        return h;
    }

    /** The k-th iterate {@code M_k [d, d]} for prompt b (an estimate of S⁻¹, or of S⁺ when S is singular). */
    public DMatrixRMaj inverseEstimate(PromptSet prompts, int b) {
        int d = prompts.d();
        DMatrixRMaj s = covariance(prompts, b);
        DMatrixRMaj m = s.copy();
        CommonOps_DDRM.scale(alpha, m); // M₀ = αS
        DMatrixRMaj sm = new DMatrixRMaj(d, d);
        DMatrixRMaj msm = new DMatrixRMaj(d, d);
        for (int t = 0; t < iterations; t++) {
            CommonOps_DDRM.mult(s, m, sm); // S M_t
            CommonOps_DDRM.mult(m, sm, msm); // M_t S M_t
            CommonOps_DDRM.scale(2.0, m);
            CommonOps_DDRM.subtractEquals(m, msm); // 2M_t − M_t S M_t
        }
        return m;
    }

    /** The weight vector {@code w = M_k h [d]} of prompt b (also ∂ŷ/∂x_q). */
    public double[] weights(PromptSet prompts, int b) {
        DMatrixRMaj w = new DMatrixRMaj(prompts.d(), 1);
        CommonOps_DDRM.mult(inverseEstimate(prompts, b), moment(prompts, b), w);
        return w.getData();
    }


    /**
     * {@code 2 / max_b λ_max(S_b)²}: the largest α for which no prompt's Newton residual {@code I − M_k S} grows
     * with k. Computed on {@code prompts}; prompts with a larger λ_max (e.g. a held-out split) may diverge at this α.
     */
    public static double stableAlphaBound(PromptSet prompts) {
        return stableAlphaBound(PromptSpectra.of(prompts));
    }

    private static double stableAlphaBound(PromptSpectra spectra) {
        double top = spectra.maxEigenvalue();
        if (!(top > 0)) {
            throw new IllegalArgumentException("Newton: every S = XᵀX/N is zero; α is not identifiable");
        }
        return 2.0 / (top * top);
    }

    /**
     * One fitted iteration count.
     *
     * @param iterations k
     * @param alpha the fitted α
     * @param mse the mean squared difference to the targets at (k, α), on the fitting prompts
     * @param atBracketEdge whether α lies at an end of the searched bracket (the unconstrained optimum may lie
     *     beyond it: below, the predictions shrink to 0; above, Newton diverges on some fitting prompt)
     */
    public record Fit(int iterations, double alpha, double mse, boolean atBracketEdge) {
        public Fit {
            if (iterations < 0 || !(alpha > 0) || Double.isNaN(mse)) {
                throw new IllegalArgumentException("Newton fit: bad k=" + iterations + " α=" + alpha + " mse=" + mse);
            }
        }

        /** The oracle with the fitted (k, α). */
        public IterativeNewtonOracle toOracle() {
            return IterativeNewtonOracle.of(iterations, alpha);
        }
    }

    /**
     * Fits for k = 0..maxK.
     *
     * @param perIteration one fit per k, index k
     * @param best the fit with the lowest MSE (the smallest k on ties)
     * @param alphaLower the lower end of the α bracket
     * @param alphaUpper the upper end, {@link #stableAlphaBound} of the fitting prompts
     */
    public record Fits(List<Fit> perIteration, Fit best, double alphaLower, double alphaUpper) {
        public Fits {
            perIteration = List.copyOf(perIteration);
        }

        /** The fit with k iterations. */
        public Fit forIterations(int k) {
            return perIteration.get(k);
        }
    }

    /**
     * For each k = 0..maxK, the α > 0 minimising the mean squared difference between the oracle and
     * {@code targets [B]} on {@code prompts}: a log-spaced grid over
     * {@code [α_max · 1e−6, α_max]} ({@code α_max =} {@link #stableAlphaBound}, so no fitting prompt diverges) refined
     * by Brent's method in log α. Deterministic. Each loss evaluation costs O(B·d·k) after one symmetric
     * eigen-decomposition of every S ({@code ŷ = Σ_a p_k(λ_a) (Uᵀh)_a (Uᵀx_q)_a} with {@code p₀ = αλ},
     * {@code p_{t+1} = p_t (2 − λ p_t)}, the iteration restricted to one eigenvalue).
     *
     * @param prompts the fitting prompts (their own targets are ignored)
     * @param targets what to fit, {@code [B]}, e.g. a model's predictions on {@code prompts}
     * @param maxK the largest iteration count tried
     */
    public static Fits fit(PromptSet prompts, double[] targets, int maxK) {
        if (maxK < 0) {
            throw new IllegalArgumentException("Newton fit: maxK must be >= 0, got " + maxK);
        }
        PromptSpectra spectra = PromptSpectra.of(prompts);
        spectra.checkTargets(targets, "Newton fit");
        double upper = stableAlphaBound(spectra);
        double lower = upper * Math.pow(10, -ALPHA_DECADES);
        List<Fit> fits = new ArrayList<>();
        Fit best = null;
        for (int k = 0; k <= maxK; k++) {
            int iterations = k;
            LogScaleSearch.Result r = LogScaleSearch.minimise(
                    alpha -> spectra.mse(lambda -> filter(iterations, alpha, lambda), targets), lower, upper,
                    GRID_POINTS_PER_DECADE);
            Fit f = new Fit(k, r.point(), r.value(), r.atEdge());
            fits.add(f);
            if (best == null || f.mse() < best.mse()) {
                best = f;
            }
        }
        return new Fits(fits, best, lower, upper);
    }

    /** The Newton iteration on one eigenvalue: {@code M_k = p_k(S)}. */
    private static double filter(int iterations, double alpha, double lambda) {
        double p = alpha * lambda;
        for (int t = 0; t < iterations; t++) {
            p *= 2 - lambda * p;
        }
        return p;
    }
}
