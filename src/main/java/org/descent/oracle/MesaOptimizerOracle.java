package org.descent.oracle;

import org.descent.task.sequence.SequencePredictor;
import org.descent.task.sequence.SequenceSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Exact next-token predictors in double precision (EJML) for sequences {@code x_{t+1} = W x_t}: the in-context
 * estimates of W a mesa-optimizer could form from the pairs {@code (x_i, x_{i+1})}, i < t, of the prefix x_1..x_t,
 * applied to x_t.
 *
 * <p>Dimension glossary: d token dimension; at position t (1-based) the context has t − 1 pairs, ρ_t = max(t − 1, 1);
 * {@code C_t = Σ_{i<t} x_{i+1} x_iᵀ [d, d]}, {@code G_t = Σ_{i<t} x_i x_iᵀ [d, d]}, {@code S_t = C_t/ρ_t}.
 * <ul>
 *   <li>{@link #oneStep}: {@code Ŵ_t = η S_t}, one gradient step of size η from W = 0 on the in-context OLS objective
 *       {@code L_t(W) = (1/(2ρ_t)) Σ_{i<t} ‖x_{i+1} − W x_i‖²} (its gradient at 0 is −S_t);</li>
 *   <li>{@link #preconditioned}: {@code Ŵ_t x_t = A S_t B x_t} (a right preconditioner B on the gradient's input
 *       side, a left one A on its output side; A = I is preconditioned GD with Γ = B);</li>
 *   <li>{@link #leastSquares}: {@code Ŵ_OLS,t = C_t G_t⁺} (minimum-norm when t − 1 < d);</li>
 *   <li>{@link #trueTransition}: the sequence's own W.</li>
 * </ul>
 * At t = 1 (no pair) every in-context estimate is 0.
 */
public final class MesaOptimizerOracle {
    private MesaOptimizerOracle() {}

    /** One GD step of size η from 0 on the in-context OLS objective, at every position. */
    public static SequencePredictor oneStep(double eta) {
        return new Stepper("one-step GD (η = " + (float) eta + ")", null, null, eta);
    }

    /** {@code A S_t B x_t} at every position. */
    public static SequencePredictor preconditioned(String name, DMatrixRMaj a, DMatrixRMaj b) {
        return new Stepper(name, a.copy(), b.copy(), 1.0);
    }

    private record Stepper(String name, DMatrixRMaj a, DMatrixRMaj b, double eta) implements SequencePredictor {
        @Override
        public double[][][] predict(SequenceSet s) {
            int d = s.d();
            int n = s.length();
            double[][][] out = new double[s.count()][n][d];
            DMatrixRMaj c = new DMatrixRMaj(d, d);
            DMatrixRMaj x = new DMatrixRMaj(d, 1);
            DMatrixRMaj bx = new DMatrixRMaj(d, 1);
            DMatrixRMaj cbx = new DMatrixRMaj(d, 1);
            DMatrixRMaj y = new DMatrixRMaj(d, 1);
            for (int q = 0; q < s.count(); q++) {
                c.zero();
                for (int t = 1; t <= n; t++) {
                    if (t >= 2) {
                        addOuter(c, s, q, t, t - 1); // pair (x_{t−1}, x_t)
                    }
                    x.data = s.token(q, t);
                    double scale = eta / Math.max(1, t - 1);
                    if (b == null) {
                        CommonOps_DDRM.mult(c, x, cbx);
                    } else {
                        CommonOps_DDRM.mult(b, x, bx);
                        CommonOps_DDRM.mult(c, bx, cbx);
                    }
                    if (a == null) {
                        y.setTo(cbx);
                    } else {
                        CommonOps_DDRM.mult(a, cbx, y);
                    }
                    for (int j = 0; j < d; j++) {
                        out[q][t - 1][j] = scale * y.data[j];
                    }
                }
            }
            return out;
        }
    }

    /** The in-context least-squares estimate of W applied to x_t, at every position. */
    public static SequencePredictor leastSquares() {
        return new SequencePredictor() {
            @Override
            public String name() {
                return "in-context OLS";
            }

            @Override
            public double[][][] predict(SequenceSet s) {
                int d = s.d();
                int n = s.length();
                double[][][] out = new double[s.count()][n][d];
                DMatrixRMaj c = new DMatrixRMaj(d, d);
                DMatrixRMaj g = new DMatrixRMaj(d, d);
                DMatrixRMaj gInv = new DMatrixRMaj(d, d);
                DMatrixRMaj w = new DMatrixRMaj(d, d);
                DMatrixRMaj x = new DMatrixRMaj(d, 1);
                DMatrixRMaj y = new DMatrixRMaj(d, 1);
                for (int q = 0; q < s.count(); q++) {
                    c.zero();
                    g.zero();
                    for (int t = 1; t <= n; t++) {
                        if (t >= 2) {
                            addOuter(c, s, q, t, t - 1);
                            addOuter(g, s, q, t - 1, t - 1);
                            CommonOps_DDRM.pinv(g, gInv);
                            CommonOps_DDRM.mult(c, gInv, w);
                            x.data = s.token(q, t);
                            CommonOps_DDRM.mult(w, x, y);
                            System.arraycopy(y.data, 0, out[q][t - 1], 0, d);
                        }
                    }
                }
                return out;
            }
        };
    }

    /** The true transition: {@code W x_t}. */
    public static SequencePredictor trueTransition() {
        return new SequencePredictor() {
            @Override
            public String name() {
                return "true W";
            }

            @Override
            public double[][][] predict(SequenceSet s) {
                int d = s.d();
                double[][][] out = new double[s.count()][s.length()][d];
                for (int q = 0; q < s.count(); q++) {
                    double[] w = s.transition(q);
                    for (int t = 1; t <= s.length(); t++) {
                        for (int i = 0; i < d; i++) {
                            double v = 0;
                            for (int j = 0; j < d; j++) {
                                v += w[i * d + j] * s.at(q, t, j);
                            }
                            out[q][t - 1][i] = v;
                        }
                    }
                }
                return out;
            }
        };
    }

    /** The direction of the vanilla step at every position: {@code S_t x_t [B][T][d]} (the one-step GD with η = 1). */
    public static double[][][] gradientDirections(SequenceSet s) {
        return oneStep(1.0).predict(s);
    }

    /** {@code m += x_u x_vᵀ} for tokens u, v (1-based) of sequence q. */
    static void addOuter(DMatrixRMaj m, SequenceSet s, int q, int u, int v) {
        int d = s.d();
        for (int i = 0; i < d; i++) {
            double xu = s.at(q, u, i);
            for (int j = 0; j < d; j++) {
                m.data[i * d + j] += xu * s.at(q, v, j);
            }
        }
    }
}
