package org.descent.model.causal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.descent.task.sequence.SequencePredictor;
import org.descent.task.sequence.SequenceSet;
import org.descent.util.EngineArrays;

/**
 * The forward pass of the one-layer linear causal self-attention ({@link CausalAttentionWeights}) in DJL, for every
 * position at once.
 *
 * <p>Dimension glossary: B sequences, T positions, d token dimension. With inputs {@code X [B, T, d]} (x_1..x_T) and
 * the shifted keys {@code X₋ [B, T, d]} (x_0 = 0, x_1..x_{T−1}):
 * <pre>
 *   scores[b, t, i] = x_{i−1}ᵀ Q x_t · m[t, i]     [B, T, T]   m[t, i] = 1/ρ_t for i ≤ t, else 0 (causal mask)
 *   ŷ[b, t]          = P Σ_i scores[b, t, i] x_i    [B, T, d]
 * </pre>
 * with the normalisation {@code ρ_t = t − 1} for t ≥ 2 (the number of (x_i, x_{i+1}) pairs in the context) and
 * {@code ρ_1 = 1} (the only term at t = 1 has x_0 = 0, so ŷ_1 = 0). The mask and every constant are engine-owned
 * arrays, so the pass is deterministic and safe on a differentiable path.
 */
public final class LinearCausalSelfAttention implements SequencePredictor {
    private final String name;
    private final CausalAttentionWeights weights;
    private final NDManager manager;

    /** A host-side predictor that evaluates {@code weights} in float32 in sub-managers of {@code manager}. */
    public LinearCausalSelfAttention(String name, CausalAttentionWeights weights, NDManager manager) {
        this.name = name;
        this.weights = weights;
        this.manager = manager;
    }

    @Override
    public String name() {
        return name;
    }

    public CausalAttentionWeights weights() {
        return weights;
    }

    /**
     * The predictions {@code [B, T, d]} for inputs {@code x [B, T, d]}, from {@code p [d, d]} and {@code q [d, d]}.
     * Intermediates belong to {@code x}'s manager; pass parameter views owned by it (see the trainer) to keep the
     * parameters' manager clean.
     */
    public static NDArray forward(NDArray p, NDArray q, NDArray x) {
        long b = x.getShape().get(0);
        int t = (int) x.getShape().get(1);
        long d = x.getShape().get(2);
        NDManager m = x.getManager();
        NDArray zero = m.zeros(new Shape(b, 1, d), x.getDataType());
        NDArray prev = NDArrays.concat(new NDList(zero, x.get(new NDIndex(":, :" + (t - 1) + ", :"))), 1); // [B,T,d]
        NDArray queries = x.matMul(q.transpose()); // [B, T, d]: row t is (Q x_t)ᵀ
        NDArray scores = queries.matMul(prev.transpose(0, 2, 1)).mul(mask(m, t, x.getDataType())); // [B, T, T]
        return scores.matMul(x).matMul(p.transpose()); // [B, T, d]
    }

    /** The causal mask with the normalisation, {@code [T, T]}, as an engine-owned array. */
    static NDArray mask(NDManager m, int t, DataType type) {
        float[] v = new float[t * t];
        for (int r = 0; r < t; r++) {
            float inv = 1f / Math.max(1, r); // row r is position t = r + 1, ρ_t = max(t − 1, 1)
            for (int c = 0; c <= r; c++) {
                v[r * t + c] = inv;
            }
        }
        return EngineArrays.copyOf(m, v, new Shape(t, t), type);
    }

    @Override
    public double[][][] predict(SequenceSet sequences) {
        int b = sequences.count();
        int t = sequences.length();
        int d = sequences.d();
        float[] flat;
        try (NDManager scope = manager.newSubManager()) {
            NDArray p = EngineArrays.copyOf(scope, weights.p(), new Shape(d, d), DataType.FLOAT32);
            NDArray q = EngineArrays.copyOf(scope, weights.q(), new Shape(d, d), DataType.FLOAT32);
            flat = forward(p, q, sequences.inputs(scope)).toFloatArray();
        }
        double[][][] out = new double[b][t][d];
        for (int s = 0; s < b; s++) {
            for (int u = 0; u < t; u++) {
                for (int j = 0; j < d; j++) {
                    out[s][u][j] = flat[(s * t + u) * d + j];
                }
            }
        }
        return out;
    }
}
