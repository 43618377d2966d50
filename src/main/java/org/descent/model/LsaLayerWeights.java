package org.descent.model;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The four weight matrices of one linear-self-attention layer in double precision, row-major {@code [D, D]}
 * (column-vector convention of the README's contracts): {@code e_j ← e_j + P W_V Σ_{i<N} e_i (e_iᵀ W_Kᵀ W_Q e_j) / N}.
 *
 * <p>Only the products {@code W_Kᵀ W_Q} ({@link #keyQuery()}) and {@code P W_V} ({@link #projectedValue()})
 * enter the function the layer computes.
 */
public record LsaLayerWeights(int dim, double[] wq, double[] wk, double[] wv, double[] p) {

    public LsaLayerWeights {
        if (dim <= 1) {
            throw new IllegalArgumentException("LSA layer: token width D must be at least 2, got " + dim);
        }
        for (double[] m : new double[][] {wq, wk, wv, p}) {
            if (m == null || m.length != dim * dim) {
                throw new IllegalArgumentException("LSA layer: every weight must be " + dim + "x" + dim);
            }
        }
        wq = wq.clone();
        wk = wk.clone();
        wv = wv.clone();
        p = p.clone();
    }

    /**
     * A layer with the given products: {@code W_K = I, W_Q = kq, P = I, W_V = pv}, so that
     * {@code W_Kᵀ W_Q = kq} and {@code P W_V = pv}.
     */
    public static LsaLayerWeights fromProducts(DMatrixRMaj kq, DMatrixRMaj pv) {
        int dim = kq.numRows;
        double[] eye = identity(dim);
        return new LsaLayerWeights(dim, kq.getData().clone(), eye, pv.getData().clone(), eye);
    }

    static double[] identity(int dim) {
        double[] eye = new double[dim * dim];
        for (int i = 0; i < dim; i++) {
            eye[i * dim + i] = 1.0;
        }
        return eye;
    }

    /** {@code W_Kᵀ W_Q}, {@code [D, D]}. */
    public DMatrixRMaj keyQuery() {
        DMatrixRMaj out = new DMatrixRMaj(dim, dim);
        CommonOps_DDRM.multTransA(DMatrixRMaj.wrap(dim, dim, wk), DMatrixRMaj.wrap(dim, dim, wq), out);
        return out;
    }

    /** {@code P W_V}, {@code [D, D]}. */
    public DMatrixRMaj projectedValue() {
        DMatrixRMaj out = new DMatrixRMaj(dim, dim);
        CommonOps_DDRM.mult(DMatrixRMaj.wrap(dim, dim, p), DMatrixRMaj.wrap(dim, dim, wv), out);
        return out;
    }

    /** The four matrices in parameter order (W_Q, W_K, W_V, P), each a copy. */
    public double[][] matrices() {
        return new double[][] {wq.clone(), wk.clone(), wv.clone(), p.clone()};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LsaLayerWeights l && l.dim == dim && Arrays.equals(l.wq, wq) && Arrays.equals(l.wk, wk)
                && Arrays.equals(l.wv, wv) && Arrays.equals(l.p, p);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(wq) * 31 + Arrays.hashCode(wk) * 17 + Arrays.hashCode(wv) * 7 + Arrays.hashCode(p);
    }

    @Override
    public String toString() {
        return "LsaLayerWeights[D=" + dim + "]";
    }
}
