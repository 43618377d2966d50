package org.descent.model.causal;

import java.util.Arrays;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;

/**
 * The weights of a one-layer linear causal self-attention over the embedding {@code e_t = [0; x_t; x_{t−1}]}
 * (x_0 = 0) that reach its next-token prediction.
 *
 * <p>Dimension glossary: d = token dimension; the embedding has 3d rows in three blocks of d (1: the prediction slot,
 * zero in the input; 2: x_t; 3: x_{t−1}). The full layer is
 * {@code f_t = e_t + W^{PV} (1/ρ_t) Σ_{i≤t} e_i e_iᵀ W^{KQ} e_t} with {@code W^{PV}, W^{KQ} [3d, 3d]}, and the
 * prediction of {@code x_{t+1}} is block 1 of f_t. As in Zheng et al.'s analysis, only two blocks are nonzero: the
 * value-projection block {@code P = W^{PV}_{12} [d, d]} (reads x_i from block 2, writes block 1) and the key-query
 * block {@code Q = W^{KQ}_{32} [d, d]} (pairs the query's x_t with the key's x_{i−1}); the prediction is then
 * {@code ŷ_t = P (1/ρ_t) Σ_{i≤t} x_i (x_{i−1}ᵀ Q x_t)}. Zheng et al.'s gradient flow starts from weights of this form
 * and, under their condition on x_1, stays in it; descent trains exactly these two blocks (every entry free).
 *
 * @param d token dimension
 * @param p {@code P = W^{PV}_{12}}, row-major {@code [d, d]}
 * @param q {@code Q = W^{KQ}_{32}}, row-major {@code [d, d]}
 */
public record CausalAttentionWeights(int d, double[] p, double[] q) {

    public CausalAttentionWeights {
        if (d <= 0) {
            throw new IllegalArgumentException("causal attention: d must be positive, got " + d);
        }
        if (p == null || p.length != d * d) {
            throw new IllegalArgumentException("causal attention: p must have d² = " + d * d + " entries");
        }
        if (q == null || q.length != d * d) {
            throw new IllegalArgumentException("causal attention: q must have d² = " + d * d + " entries");
        }
        p = p.clone();
        q = q.clone();
    }

    @Override
    public double[] p() {
        return p.clone();
    }

    @Override
    public double[] q() {
        return q.clone();
    }

    /**
     * The one-step mesa-optimizer construction: {@code P = I}, {@code Q = η I}, so that
     * {@code ŷ_t = (η/ρ_t) Σ_{i<t} x_{i+1} x_iᵀ x_t = Ŵ_t x_t} with Ŵ_t one gradient step of size η from W = 0 on
     * {@code (1/(2ρ_t)) Σ_{i<t} ‖x_{i+1} − W x_i‖²}.
     */
    public static CausalAttentionWeights oneStepGd(int d, double eta) {
        return new CausalAttentionWeights(d, scaledIdentity(d, 1.0), scaledIdentity(d, eta));
    }

    /** The two-sided preconditioned step {@code ŷ_t = A (1/ρ_t) Σ_{i<t} x_{i+1} x_iᵀ B x_t}: P = A, Q = B. */
    public static CausalAttentionWeights preconditioned(DMatrixRMaj a, DMatrixRMaj b) {
        return new CausalAttentionWeights(a.numRows, a.data.clone(), b.data.clone());
    }

    /**
     * The initialisation used for training: {@code P = p0 I}, {@code Q = 0} (a diagonal start as in Zheng et al.'s
     * gradient flow; Q = 0 keeps the first prediction at zero and lets Q grow along the gradient).
     */
    public static CausalAttentionWeights identityStart(int d, double p0) {
        return new CausalAttentionWeights(d, scaledIdentity(d, p0), new double[d * d]);
    }

    /** Entries i.i.d. N(0, std²) from {@code seed}: an untrained control of the same architecture. */
    public static CausalAttentionWeights random(int d, double std, long seed) {
        Random rng = new Random(seed);
        double[] p = new double[d * d];
        double[] q = new double[d * d];
        for (int i = 0; i < d * d; i++) {
            p[i] = std * rng.nextGaussian();
        }
        for (int i = 0; i < d * d; i++) {
            q[i] = std * rng.nextGaussian();
        }
        return new CausalAttentionWeights(d, p, q);
    }

    public DMatrixRMaj pMatrix() {
        return new DMatrixRMaj(d, d, true, p);
    }

    public DMatrixRMaj qMatrix() {
        return new DMatrixRMaj(d, d, true, q);
    }

    /** The full value-projection matrix {@code W^{PV} [3d, 3d]}: P in block (1, 2), zero elsewhere. */
    public DMatrixRMaj fullValueProjection() {
        DMatrixRMaj m = new DMatrixRMaj(3 * d, 3 * d);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                m.set(i, d + j, p[i * d + j]);
            }
        }
        return m;
    }

    /** The full key-query matrix {@code W^{KQ} [3d, 3d]}: Q in block (3, 2), zero elsewhere. */
    public DMatrixRMaj fullKeyQuery() {
        DMatrixRMaj m = new DMatrixRMaj(3 * d, 3 * d);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                m.set(2 * d + i, d + j, q[i * d + j]);
            }
        }
        return m;
    }

    private static double[] scaledIdentity(int d, double v) {
        double[] m = new double[d * d];
        for (int i = 0; i < d; i++) {
            m[i * d + i] = v;
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CausalAttentionWeights w && w.d == d && Arrays.equals(w.p, p) && Arrays.equals(w.q, q);
    }

    @Override
    public int hashCode() {
        return d * 31 * 31 + Arrays.hashCode(p) * 31 + Arrays.hashCode(q);
    }
}
