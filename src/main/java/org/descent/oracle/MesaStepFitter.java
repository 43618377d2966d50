package org.descent.oracle;

import org.descent.task.sequence.SequenceSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Fits one-step mesa-optimizers ({@link MesaOptimizerOracle}) to a predictor's outputs on fitting sequences, by least
 * squares over every position t ≥ 2 and every sequence.
 *
 * <p>Dimension glossary: d token dimension; {@code S_t = (1/ρ_t) Σ_{i<t} x_{i+1} x_iᵀ [d, d]}; targets
 * {@code ŷ [B][T][d]} (position t at index t − 1).
 */
public final class MesaStepFitter {
    /** Alternating least-squares rounds of the two-sided fit. */
    public static final int ALS_ROUNDS = 12;

    private MesaStepFitter() {}

    /** The step η minimising {@code Σ ‖ŷ_t − η S_t x_t‖²} (closed form). */
    public static double step(SequenceSet s, double[][][] targets) {
        double[][][] g = MesaOptimizerOracle.gradientDirections(s);
        double num = 0;
        double den = 0;
        for (int q = 0; q < g.length; q++) {
            for (int t = 1; t < g[q].length; t++) {
                for (int j = 0; j < s.d(); j++) {
                    num += targets[q][t][j] * g[q][t][j];
                    den += g[q][t][j] * g[q][t][j];
                }
            }
        }
        return num / den;
    }

    /**
     * A two-sided preconditioned step {@code A S_t B x_t} fitted by alternating least squares from A = I (the first
     * solve gives B); the scale is fixed by tr A = d. With {@code leftIdentity}, A stays I and only the
     * right preconditioner B (preconditioned GD with Γ = B) is fitted, in one solve.
     *
     * @return {A [d, d], B [d, d]}
     */
    public static DMatrixRMaj[] preconditioned(SequenceSet s, double[][][] targets, boolean leftIdentity) {
        int d = s.d();
        DMatrixRMaj a = CommonOps_DDRM.identity(d);
        double[][][] sts = contextMatrices(s);
        DMatrixRMaj b = solveRight(s, sts, targets, a);
        for (int r = 0; r < (leftIdentity ? 0 : ALS_ROUNDS); r++) {
            if (r > 0) {
                b = solveRight(s, sts, targets, a);
            }
            a = solveLeft(s, sts, targets, b);
            double scale = CommonOps_DDRM.trace(a) / d;
            CommonOps_DDRM.scale(1.0 / scale, a);
            CommonOps_DDRM.scale(scale, b);
        }
        return new DMatrixRMaj[] {a, b};
    }

    /** {@code S_t} of every sequence and position t ≥ 2, row-major: {@code [B][T][d·d]} (index t − 1). */
    static double[][][] contextMatrices(SequenceSet s) {
        int d = s.d();
        double[][][] out = new double[s.count()][s.length()][];
        DMatrixRMaj c = new DMatrixRMaj(d, d);
        for (int q = 0; q < s.count(); q++) {
            c.zero();
            for (int t = 2; t <= s.length(); t++) {
                MesaOptimizerOracle.addOuter(c, s, q, t, t - 1);
                double[] st = c.data.clone();
                for (int k = 0; k < st.length; k++) {
                    st[k] /= (t - 1);
                }
                out[q][t - 1] = st;
            }
        }
        return out;
    }

    /** Given A: B minimising Σ ‖ŷ − A S_t B x_t‖² (normal equations over vec(B), Kronecker-structured). */
    private static DMatrixRMaj solveRight(SequenceSet s, double[][][] sts, double[][][] y, DMatrixRMaj a) {
        int d = s.d();
        int n2 = d * d;
        DMatrixRMaj normal = new DMatrixRMaj(n2, n2);
        DMatrixRMaj rhs = new DMatrixRMaj(n2, 1);
        DMatrixRMaj st = new DMatrixRMaj(d, d);
        DMatrixRMaj m = new DMatrixRMaj(d, d);
        DMatrixRMaj mtm = new DMatrixRMaj(d, d);
        double[] x = new double[d];
        double[] mty = new double[d];
        for (int q = 0; q < s.count(); q++) {
            for (int t = 2; t <= s.length(); t++) {
                st.data = sts[q][t - 1];
                CommonOps_DDRM.mult(a, st, m); // M = A S_t; ŷ_i = Σ_{j,k} M_ij B_jk x_k
                CommonOps_DDRM.multTransA(m, m, mtm);
                for (int k = 0; k < d; k++) {
                    x[k] = s.at(q, t, k);
                }
                double[] yt = y[q][t - 1];
                for (int j = 0; j < d; j++) {
                    double v = 0;
                    for (int i = 0; i < d; i++) {
                        v += m.get(i, j) * yt[i];
                    }
                    mty[j] = v;
                }
                for (int j = 0; j < d; j++) {
                    for (int k = 0; k < d; k++) {
                        int row = j * d + k;
                        rhs.data[row] += mty[j] * x[k];
                        for (int j2 = 0; j2 < d; j2++) {
                            double mm = mtm.get(j, j2) * x[k];
                            int base = row * n2 + j2 * d;
                            for (int k2 = 0; k2 < d; k2++) {
                                normal.data[base + k2] += mm * x[k2];
                            }
                        }
                    }
                }
            }
        }
        DMatrixRMaj sol = new DMatrixRMaj(n2, 1);
        if (!CommonOps_DDRM.solve(normal, rhs, sol)) {
            throw new IllegalStateException("mesa step fit: singular normal equations for B");
        }
        return new DMatrixRMaj(d, d, true, sol.data);
    }

    /** Given B: A minimising Σ ‖ŷ − A u‖² with u = S_t B x_t. */
    private static DMatrixRMaj solveLeft(SequenceSet s, double[][][] sts, double[][][] y, DMatrixRMaj b) {
        int d = s.d();
        DMatrixRMaj uu = new DMatrixRMaj(d, d);
        DMatrixRMaj yu = new DMatrixRMaj(d, d);
        DMatrixRMaj st = new DMatrixRMaj(d, d);
        DMatrixRMaj x = new DMatrixRMaj(d, 1);
        DMatrixRMaj bx = new DMatrixRMaj(d, 1);
        DMatrixRMaj u = new DMatrixRMaj(d, 1);
        for (int q = 0; q < s.count(); q++) {
            for (int t = 2; t <= s.length(); t++) {
                st.data = sts[q][t - 1];
                x.data = s.token(q, t);
                CommonOps_DDRM.mult(b, x, bx);
                CommonOps_DDRM.mult(st, bx, u);
                double[] yt = y[q][t - 1];
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        uu.data[i * d + j] += u.data[i] * u.data[j];
                        yu.data[i * d + j] += yt[i] * u.data[j];
                    }
                }
            }
        }
        DMatrixRMaj a = new DMatrixRMaj(d, d);
        DMatrixRMaj uuInv = new DMatrixRMaj(d, d);
        if (!CommonOps_DDRM.invert(uu, uuInv)) {
            throw new IllegalStateException("mesa step fit: singular normal equations for A");
        }
        CommonOps_DDRM.mult(yu, uuInv, a);
        return a;
    }
}
