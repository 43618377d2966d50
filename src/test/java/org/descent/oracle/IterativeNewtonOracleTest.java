package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * Iterative Newton: the matrix iteration ({@link IterativeNewtonOracle}) against the closed form
 * ({@link SpectralReference#newton}), the residual identity behind it, its k = 0 case and its quadratic convergence
 * to least squares.
 */
class IterativeNewtonOracleTest {
    /** Matrix iteration vs closed form, max|a − b| / max|b| (observed ~1e-15). */
    private static final double CLOSED_FORM_TOLERANCE = 1e-10;
    /** Entries of {@code I − M_k S} vs {@code (I − αS²)^{2^k}}, both bounded by 1 in norm: absolute. */
    private static final double IDENTITY_TOLERANCE = 1e-12;
    /** Closed-form filter vs the explicit polynomial, relative. */
    private static final double FILTER_TOLERANCE = 1e-12;
    /** k = 0 vs the directly computed one-step form, relative to max|ŷ|. */
    private static final double ONE_STEP_TOLERANCE = 1e-12;
    /** Newton after many iterations vs OLS, relative to max|ŷ_OLS|. */
    private static final double CONVERGED_TOLERANCE = 1e-12;
    /** Iterations from the first {@code e_k ≤ 1e-2} to {@code e_k ≤ 1e-12} (observed 4; linear rates need ~10+). */
    private static final int FAST_PHASE_ITERATIONS = 5;
    private static final int MAX_K = 5;

    private static final PromptSet WIDE = TestPrompts.linear(5, 8, 200, anisotropic(5), 0.3, 71); // N > d
    private static final PromptSet SQUARE = TestPrompts.linear(10, 10, 200, null, 0.0, 72); // N = d
    private static final PromptSet RANK_DEFICIENT = TestPrompts.linear(6, 4, 200, null, 0.2, 73); // N < d

    private static DMatrixRMaj anisotropic(int d) {
        DMatrixRMaj f = TestPrompts.randomMatrix(d, 0.5, 70);
        for (int k = 0; k < d; k++) {
            f.add(k, k, 1.0);
        }
        return f;
    }

    private static double maxAbs(double[][] rows) {
        double m = 0;
        for (double[] r : rows) {
            m = Math.max(m, TestPrompts.maxAbs(r));
        }
        return m;
    }

    @Test
    void residualIsThePowerOfTheInitialResidual() {
        // I − M_{t+1}S = I − 2M_tS + M_tSM_tS = (I − M_tS)², so I − M_kS = (I − αS²)^{2^k}
        for (PromptSet p : new PromptSet[] {WIDE, RANK_DEFICIENT}) {
            int d = p.d();
            double alpha = 0.7 * IterativeNewtonOracle.stableAlphaBound(p);
            for (int b = 0; b < 5; b++) {
                DMatrixRMaj s = IterativeNewtonOracle.covariance(p, b);
                DMatrixRMaj e0 = CommonOps_DDRM.identity(d);
                DMatrixRMaj s2 = new DMatrixRMaj(d, d);
                CommonOps_DDRM.mult(s, s, s2);
                CommonOps_DDRM.addEquals(e0, -alpha, s2); // I − αS²
                DMatrixRMaj power = CommonOps_DDRM.identity(d);
                DMatrixRMaj tmp = new DMatrixRMaj(d, d);
                for (int k = 0; k <= 4; k++) {
                    int times = k == 0 ? 1 : 1 << (k - 1); // power = (I − αS²)^{2^k} by plain multiplication
                    for (int i = 0; i < times; i++) {
                        CommonOps_DDRM.mult(power, e0, tmp);
                        power.setTo(tmp);
                    }
                    DMatrixRMaj m = IterativeNewtonOracle.of(k, alpha).inverseEstimate(p, b);
                    DMatrixRMaj residual = CommonOps_DDRM.identity(d);
                    CommonOps_DDRM.mult(m, s, tmp);
                    CommonOps_DDRM.subtractEquals(residual, tmp);
                    double diff = TestPrompts.maxAbsDiff(residual, power);
                    assertTrue(diff <= IDENTITY_TOLERANCE, "N=" + p.n() + " d=" + d + " prompt " + b + " k=" + k
                            + ": max |(I − M_k S) − (I − αS²)^(2^k)| = " + diff);
                }
            }
        }
    }

    @Test
    void oracleMatchesTheClosedForm() {
        for (PromptSet p : new PromptSet[] {WIDE, SQUARE, RANK_DEFICIENT}) {
            double bound = IterativeNewtonOracle.stableAlphaBound(p);
            for (double fraction : new double[] {0.05, 0.5, 0.95}) {
                for (int k = 0; k <= MAX_K; k++) {
                    String what = "N=" + p.n() + " d=" + p.d() + " α=" + fraction + "·bound k=" + k;
                    IterativeNewtonOracle oracle = IterativeNewtonOracle.of(k, fraction * bound);
                    SpectralReference ref = SpectralReference.newton(k, fraction * bound);
                    double[] a = oracle.predict(p);
                    double[] b = ref.predict(p);
                    double diff = TestPrompts.maxAbsDiff(a, b);
                    assertTrue(diff <= CLOSED_FORM_TOLERANCE * TestPrompts.maxAbs(b), what
                            + ": predictions differ by " + diff + " (scale " + TestPrompts.maxAbs(b) + ")");
                    double[][] ja = oracle.queryJacobians(p);
                    double[][] jb = ref.queryJacobians(p);
                    double jdiff = TestPrompts.maxAbsDiff(ja, jb);
                    assertTrue(jdiff <= CLOSED_FORM_TOLERANCE * maxAbs(jb), what + ": Jacobians differ by " + jdiff);
                }
            }
        }
    }

    @Test
    void closedFormFilterIsThePolynomialIncludingAtZero() {
        // p_k(μ) = (1 − (1 − αμ²)^{2^k})/μ = αμ Σ_{j<2^k} (1 − αμ²)^j, a polynomial with p_k(0) = 0
        double alpha = 0.8;
        double[] mus = {0, 1e-300, -1e-12, 1e-9, 0.01, 0.3, 1.0, 1.2, -1.5, Math.sqrt(1 / alpha),
            Math.sqrt(1.9 / alpha)};
        for (int k = 0; k <= 6; k++) {
            for (double mu : mus) {
                double r = 1 - alpha * mu * mu;
                double sum = 0;
                double pow = 1;
                for (int j = 0; j < (1 << k); j++) {
                    sum += pow;
                    pow *= r;
                }
                double polynomial = alpha * mu * sum;
                double closed = SpectralReference.newtonFilter(k, alpha, mu);
                assertTrue(Math.abs(closed - polynomial) <= FILTER_TOLERANCE * Math.max(Math.abs(polynomial),
                        Double.MIN_NORMAL), "k=" + k + " μ=" + mu + ": closed form " + closed + " vs polynomial "
                        + polynomial);
            }
        }
        assertEquals(0.0, SpectralReference.newtonFilter(3, alpha, 0.0), "p_k(0) = 0");
    }

    @Test
    void zeroIterationsIsOnePreconditionedStepWithAlphaS() {
        double alpha = 0.37;
        double[] got = IterativeNewtonOracle.of(0, alpha).predict(WIDE);
        double[] expected = new double[WIDE.size()];
        int n = WIDE.n();
        int d = WIDE.d();
        for (int b = 0; b < WIDE.size(); b++) {
            double[] h = new double[d]; // h = Σ y_i x_i / N
            for (int i = 0; i < n; i++) {
                for (int a = 0; a < d; a++) {
                    h[a] += WIDE.y(b, i) * WIDE.x(b, i, a) / n;
                }
            }
            double sum = 0; // α x_qᵀ S h = α/N Σ_i (x_q·x_i)(x_i·h)
            for (int i = 0; i < n; i++) {
                double qx = 0;
                double xh = 0;
                for (int a = 0; a < d; a++) {
                    qx += WIDE.xq(b, a) * WIDE.x(b, i, a);
                    xh += WIDE.x(b, i, a) * h[a];
                }
                sum += qx * xh / n;
            }
            expected[b] = alpha * sum;
        }
        double diff = TestPrompts.maxAbsDiff(got, expected);
        assertTrue(diff <= ONE_STEP_TOLERANCE * TestPrompts.maxAbs(expected), "k=0 vs x_qᵀ αS h: " + diff);
    }

    @Test
    void convergesQuadraticallyToLeastSquares() {
        PromptSet p = TestPrompts.linear(5, 20, 200, null, 0.0, 74);
        double alpha = IterativeNewtonOracle.stableAlphaBound(p) / 2;
        double[] ols = LeastSquaresOracle.ols().predict(p);
        double scale = TestPrompts.maxAbs(ols);
        int maxK = 16;
        double[] err = new double[maxK + 1];
        for (int k = 0; k <= maxK; k++) {
            err[k] = TestPrompts.maxAbsDiff(IterativeNewtonOracle.of(k, alpha).predict(p), ols) / scale;
        }
        String all = java.util.Arrays.toString(err);
        // superlinear: in the fast phase (1e-12 < e_k ≤ 1e-2) the contraction e_{k+1}/e_k shrinks at every step,
        // where a linear method's stays constant; quadratic: 1e-2 → 1e-12 within a few iterations
        int start = -1;
        int end = -1;
        for (int k = 0; k <= maxK; k++) {
            if (start < 0 && err[k] <= 1e-2) {
                start = k;
            }
            if (end < 0 && err[k] <= 1e-12) {
                end = k;
            }
        }
        assertTrue(start >= 0 && end >= 0, "did not converge: " + all);
        assertTrue(end - start <= FAST_PHASE_ITERATIONS, "1e-2 → 1e-12 took " + (end - start) + " iterations: " + all);
        double previousRatio = err[start] / err[start - 1];
        for (int k = start; k < end; k++) {
            double ratio = err[k + 1] / err[k];
            assertTrue(ratio < previousRatio, "contraction did not shrink at k=" + k + ": " + all);
            previousRatio = ratio;
        }
        assertTrue(previousRatio < 1e-3, "final contraction " + previousRatio + ": " + all);
        assertTrue(err[maxK] <= CONVERGED_TOLERANCE, "Newton×" + maxK + " vs OLS: " + err[maxK]);
    }

    @Test
    void divergesAboveTheStableBound() {
        double alpha = 1.5 * IterativeNewtonOracle.stableAlphaBound(WIDE);
        double early = TestPrompts.maxAbs(IterativeNewtonOracle.of(2, alpha).predict(WIDE));
        double late = TestPrompts.maxAbs(IterativeNewtonOracle.of(6, alpha).predict(WIDE));
        assertTrue(late > 1e6 * early, "α above 2/λ_max² should diverge: max|ŷ| " + early + " at k=2, " + late
                + " at k=6");
    }

    @Test
    void validatesParametersAndNamesItself() {
        assertThrows(IllegalArgumentException.class, () -> IterativeNewtonOracle.of(-1, 0.1));
        assertThrows(IllegalArgumentException.class, () -> IterativeNewtonOracle.of(2, 0.0));
        assertThrows(IllegalArgumentException.class, () -> IterativeNewtonOracle.of(2, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> SpectralReference.newton(1, -1.0));
        assertTrue(IterativeNewtonOracle.of(3, 0.25).name().startsWith("Newton×3(α=0.25"),
                IterativeNewtonOracle.of(3, 0.25).name());
    }
}
