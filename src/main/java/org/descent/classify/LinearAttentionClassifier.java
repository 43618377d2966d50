package org.descent.classify;

import org.descent.model.LsaWeights;
import org.descent.oracle.PreconditionedGdConstruction;
import org.ejml.data.DMatrixRMaj;

/**
 * The single-layer linear-attention transformer of Shen, Zhou, Yang and Shen 2025 as a descent LSA: with the value
 * reading only the label row and the key-query product acting only on the inputs, the layer's output at the query's
 * label slot is {@code ŷ = x_qᵀ W h}, {@code h = (1/N) Σ_i y_i x_i}, and {@code P(y_q = +1) = σ(ŷ)}. In descent's
 * LSA (README contracts: {@code e_j ← e_j + P W_V Σ_i e_i (e_iᵀ W_Kᵀ W_Q e_j)/N}, readout {@code ŷ = −(label slot)})
 * that is {@code W_Kᵀ W_Q = [[Wᵀ, 0], [0, 0]]}, {@code P W_V = [[0, 0], [0, −1]]} ({@code [D, D]}): the one-step
 * preconditioned-GD layer with Γ = W. The merged W {@code [d, d]} is the only trained parameter, as in the paper.
 *
 * <p>The double-precision oracle of the same function is {@link InContextClassificationLoss#logits}; the two are
 * tested against each other.
 */
public final class LinearAttentionClassifier {
    private LinearAttentionClassifier() {}

    /** The one-layer LSA whose readout is the logit {@code x_qᵀ W h}. */
    public static LsaWeights weights(DMatrixRMaj w) {
        return PreconditionedGdConstruction.weights(w);
    }
}
