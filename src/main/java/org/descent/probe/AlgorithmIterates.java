package org.descent.probe;

import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The predictions of every iterate of gradient descent and of Iterative Newton on each prompt's in-context
 * least-squares problem, in double precision: the algorithm trajectories that per-layer read-outs are compared with
 * (Fu et al. 2023).
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context pairs, {@code d} input dimension, {@code T} iterates
 * requested; per prompt {@code S = XᵀX/N [d, d]}, {@code h = Xᵀy/N [d]}, {@code λ_max} the largest eigenvalue of S.
 *
 * <ul>
 *   <li><b>GD</b> on {@code L(w) = 1/(2N) Σ (w·x_i − y_i)²} from {@code w₀ = 0}: {@code w_{t+1} = w_t − η(S w_t − h)},
 *       the iteration of {@link org.descent.oracle.GradientDescentOracle} with constant steps; η is either one fixed
 *       value or, per prompt, {@code η_b = 1/λ_max(S_b)} (the classic 1/L step: every eigen-direction converges
 *       monotonically).</li>
 *   <li><b>Iterative Newton</b> (Newton–Schulz for S⁺): {@code M₀ = α_b S}, {@code M_{t+1} = 2M_t − M_t S M_t},
 *       {@code w_t = M_t h}, the iteration of {@link org.descent.oracle.IterativeNewtonOracle} with a per-prompt
 *       {@code α_b = 1/λ_max(S_b)²}. Fu et al. take {@code α = 2/‖SSᵀ‖₂ = 2/λ_max²}; at exactly that value the
 *       top eigen-direction is annihilated after one iteration ({@code p₁(λ_max) = 0}) and never recovers, so half
 *       of it is used (every direction then converges, quadratically once close).</li>
 * </ul>
 * Prediction {@code ŷ_t = w_t·x_q}.
 */
public final class AlgorithmIterates {
    private AlgorithmIterates() {}

    /**
     * GD predictions after each of {@code steps} (ascending, ≥ 0), {@code [T][B]}.
     *
     * @param eta a fixed step size, or 0 for the per-prompt {@code 1/λ_max(S_b)}
     */
    public static double[][] gd(PromptSet prompts, int[] steps, double eta) {
        checkAscending(steps);
        int d = prompts.d();
        double[][] out = new double[steps.length][prompts.size()];
        for (int b = 0; b < prompts.size(); b++) {
            double[][] s = covariance(prompts, b);
            double[] h = moment(prompts, b);
            double[] q = prompts.query(b);
            double step = eta > 0 ? eta : 1 / topEigenvalue(s);
            double[] w = new double[d];
            double[] g = new double[d];
            int t = 0;
            for (int j = 0; j < steps.length; j++) {
                for (; t < steps[j]; t++) {
                    for (int r = 0; r < d; r++) {
                        double v = -h[r];
                        for (int c = 0; c < d; c++) {
                            v += s[r][c] * w[c];
                        }
                        g[r] = v;
                    }
                    for (int r = 0; r < d; r++) {
                        w[r] -= step * g[r];
                    }
                }
                out[j][b] = dot(w, q);
            }
        }
        return out;
    }

    /** Iterative Newton predictions after each of {@code iterations} (ascending, ≥ 0), {@code [T][B]}. */
    public static double[][] newton(PromptSet prompts, int[] iterations) {
        checkAscending(iterations);
        int d = prompts.d();
        double[][] out = new double[iterations.length][prompts.size()];
        for (int b = 0; b < prompts.size(); b++) {
            double[][] sa = covariance(prompts, b);
            double top = topEigenvalue(sa);
            double alpha = top > 0 ? 1 / (top * top) : 0;
            DMatrixRMaj s = new DMatrixRMaj(sa);
            DMatrixRMaj m = s.copy();
            org.ejml.dense.row.CommonOps_DDRM.scale(alpha, m); // M₀ = αS
            DMatrixRMaj sm = new DMatrixRMaj(d, d);
            DMatrixRMaj msm = new DMatrixRMaj(d, d);
            double[] h = moment(prompts, b);
            double[] q = prompts.query(b);
            int t = 0;
            for (int j = 0; j < iterations.length; j++) {
                for (; t < iterations[j]; t++) {
                    org.ejml.dense.row.CommonOps_DDRM.mult(s, m, sm);
                    org.ejml.dense.row.CommonOps_DDRM.mult(m, sm, msm);
                    org.ejml.dense.row.CommonOps_DDRM.scale(2.0, m);
                    org.ejml.dense.row.CommonOps_DDRM.subtractEquals(m, msm);
                }
                double y = 0;
                for (int r = 0; r < d; r++) {
                    double wr = 0;
                    for (int c = 0; c < d; c++) {
                        wr += m.get(r, c) * h[c];
                    }
                    y += wr * q[r];
                }
                out[j][b] = y;
            }
        }
        return out;
    }

    /** The per-prompt α_b = 1/λ_max(S_b)² Newton starts from. */
    public static double newtonAlpha(PromptSet prompts, int b) {
        double top = topEigenvalue(covariance(prompts, b));
        return 1 / (top * top);
    }

    /** The per-prompt GD step 1/λ_max(S_b). */
    public static double gdStep(PromptSet prompts, int b) {
        return 1 / topEigenvalue(covariance(prompts, b));
    }

    private static void checkAscending(int[] t) {
        for (int i = 0; i < t.length; i++) {
            if (t[i] < 0 || (i > 0 && t[i] <= t[i - 1])) {
                throw new IllegalArgumentException("iterates must be ascending and >= 0, got "
                        + java.util.Arrays.toString(t));
            }
        }
    }

    private static double[][] covariance(PromptSet prompts, int b) {
        int d = prompts.d();
        int n = prompts.n();
        double[][] s = new double[d][d];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < d; r++) {
                double xr = prompts.x(b, i, r);
                for (int c = 0; c < d; c++) {
                    s[r][c] += xr * prompts.x(b, i, c) / n;
                }
            }
        }
        return s;
    }

    private static double[] moment(PromptSet prompts, int b) {
        int d = prompts.d();
        int n = prompts.n();
        double[] h = new double[d];
        for (int i = 0; i < n; i++) {
            double y = prompts.y(b, i);
            for (int r = 0; r < d; r++) {
                h[r] += prompts.x(b, i, r) * y / n;
            }
        }
        return h;
    }

    private static double topEigenvalue(double[][] s) {
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(s.length, false, true);
        if (!eig.decompose(new DMatrixRMaj(s))) {
            throw new IllegalStateException("eigen-decomposition of S failed");
        }
        double top = 0;
        for (int i = 0; i < s.length; i++) {
            top = Math.max(top, eig.getEigenvalue(i).getReal());
        }
        if (!(top > 0)) {
            throw new IllegalArgumentException("S = XᵀX/N is zero for a prompt: no step size is defined");
        }
        return top;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
