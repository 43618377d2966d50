package org.descent.oracle;

import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Closed-form references for the spectral hypotheses, computed from each prompt's thin SVD with no iteration, no
 * linear solve and no LSA: the independent check of {@link IterativeNewtonOracle} and of the ridge solver in
 * {@link LeastSquaresOracle}.
 *
 * <p>Dimension glossary: {@code N} context examples, {@code d} input dimension, {@code r = min(N, d)};
 * {@code X [N, d] = U diag(s) Vᵀ} with {@code U [N, r]}, {@code s [r]}, {@code V [d, r]}; {@code y [N]}.
 *
 * <p>Every algorithm here has weights {@code w = Σ_i v_i φ(s_i) (u_iᵀ y)} for a scalar filter φ, and
 * {@code ŷ = w·x_q}, {@code ∂ŷ/∂x_q = w}:
 * <ul>
 *   <li>ridge {@code (XᵀX + λI)⁻¹Xᵀy}: {@code φ(s) = s / (s² + λ)};
 *   <li>iterative Newton with k iterations and {@code M₀ = αS}, {@code S = XᵀX/N}: {@code M_k = p_k(S)} with
 *       {@code p_k(μ) = (1 − (1 − αμ²)^{2^k}) / μ} (from {@code I − M_k S = (I − αS²)^{2^k}}; {@code p_k(0) = 0}),
 *       and {@code h = Xᵀy/N}, so {@code φ(s) = p_k(s²/N) s/N}. Directions with s = 0 (N &lt; d) contribute
 *       nothing, as p_k(0) = 0.
 * </ul>
 */
public final class SpectralReference implements org.descent.regressor.LinearInQuery {
    private final String name;
    private final Filter phi;

    /** The scalar filter φ(s) of a prompt with N context examples, for a singular value s > 0. */
    @FunctionalInterface
    private interface Filter {
        double apply(double s, int n);
    }

    private SpectralReference(String name, Filter phi) {
        this.name = name;
        this.phi = phi;
    }

    /** Ridge {@code (XᵀX + λI)⁻¹Xᵀy} with λ > 0 (same parametrisation as {@link LeastSquaresOracle#ridge}). */
    public static SpectralReference ridge(double lambda) {
        if (!(lambda > 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("ridge reference: λ must be finite and > 0, got " + lambda);
        }
        return new SpectralReference(String.format("ridge-svd(λ=%.3g)", lambda), (sv, n) -> sv / (sv * sv + lambda));
    }

    /** Iterative Newton with k iterations from {@code M₀ = αS} (same function as {@link IterativeNewtonOracle}). */
    public static SpectralReference newton(int iterations, double alpha) {
        IterativeNewtonOracle.of(iterations, alpha); // validates k and α
        return new SpectralReference(String.format("Newton-closed-form×%d(α=%.4g)", iterations, alpha),
                (sv, n) -> newtonFilter(iterations, alpha, sv * sv / n) * sv / n);
    }

    @Override
    public String name() {
        return name;
    }

    /** Below this αμ², {@code (1 − (1 − u)^m)/u = m} to double precision for every representable m. */
    private static final double NEGLIGIBLE_U = 1e-290;

    /**
     * The Newton filter {@code p_k(μ) = (1 − (1 − αμ²)^{2^k}) / μ} on one eigenvalue μ of S, from the closed form:
     * {@code p_k(μ) = αμ · g(αμ²)} with {@code g(u) = (1 − (1 − u)^{2^k}) / u = Σ_{j<2^k} (1 − u)^j}, a polynomial
     * ({@code g(0) = 2^k}, so {@code p_k(0) = 0}), evaluated via {@code expm1}/{@code log1p} (accurate for small u).
     */
    public static double newtonFilter(int iterations, double alpha, double mu) {
        if (iterations == 0) {
            return alpha * mu;
        }
        double u = alpha * mu * mu;
        double m = Math.scalb(1.0, iterations); // 2^k, even
        double g;
        if (u < NEGLIGIBLE_U) {
            g = m;
        } else if (u < 1) {
            g = -Math.expm1(m * Math.log1p(-u)) / u;
        } else if (u == 1) {
            g = 1;
        } else {
            g = -Math.expm1(m * Math.log(u - 1)) / u; // (1 − u)^m = (u − 1)^m, m even
        }
        return alpha * mu * g;
    }

    /** The weights {@code w [d]} of prompt b. */
    public double[] weights(PromptSet prompts, int b) {
        int n = prompts.n();
        int d = prompts.d();
        DMatrixRMaj x = new DMatrixRMaj(prompts.contextInputs(b)); // [N, d]
        double[] y = prompts.contextLabels(b);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, d, true, true, true);
        if (!svd.decompose(x)) {
            throw new IllegalStateException(name + ": SVD failed on prompt " + b);
        }
        DMatrixRMaj u = svd.getU(null, false); // [N, r]
        DMatrixRMaj v = svd.getV(null, false); // [d, r]
        double[] s = svd.getSingularValues();
        double[] w = new double[d];
        for (int i = 0; i < svd.numberOfSingularValues(); i++) {
            if (s[i] == 0) {
                continue;
            }
            double uy = 0;
            for (int j = 0; j < n; j++) {
                uy += u.get(j, i) * y[j];
            }
            double c = phi.apply(s[i], n) * uy;
            for (int a = 0; a < d; a++) {
                w[a] += v.get(a, i) * c;
            }
        }
        return w;
    }
}
