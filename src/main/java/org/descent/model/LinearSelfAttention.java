package org.descent.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * The forward pass of a linear-self-attention (LSA) transformer on DJL arrays, shared by the trainable
 * {@link LsaTransformerBlock} and the double-precision {@link LsaRegressor}.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code T = N + 1} tokens (N context, 1 query), {@code D = d + 1}
 * token width.
 *
 * <p>Per layer (README, Contracts, row form of the column-vector update): with context rows {@code Z_c = Z[:, :N, :]}
 * and {@code C = Z_cᵀ Z_c / N} ({@code [B, D, D]}), {@code Z ← Z + Z (W_KᵀW_Q)ᵀ C (P W_V)ᵀ}. This is exactly
 * {@code e_j ← e_j + P W_V Σ_{i<N} e_i (e_iᵀ W_Kᵀ W_Q e_j) / N} for all N+1 tokens, computed associatively in
 * {@code O(B·T·D²)}. Readout: {@code ŷ = −Z[:, N, d]}.
 */
public final class LinearSelfAttention {
    private LinearSelfAttention() {}

    /**
     * Runs the transformer.
     *
     * @param tokens {@code [B, T, D]}; its manager owns every intermediate and the result
     * @param layerWeights per distinct layer, the arrays (W_Q, W_K, W_V, P), each {@code [D, D]}
     * @param depth number of layer applications L (layers are reused cyclically when weight-tied)
     * @param keepHidden whether to return the residual stream after every layer
     * @return {@code [ŷ [B]]}, or {@code [ŷ [B], hidden [L+1, B, T, D]]} when {@code keepHidden}
     */
    public static NDList forward(NDArray tokens, List<NDArray[]> layerWeights, int depth, boolean keepHidden) {
        if (tokens.getShape().dimension() != 3) {
            throw new IllegalArgumentException("LSA: tokens must be [B, N+1, D], got " + tokens.getShape());
        }
        long dim = tokens.getShape().get(2);
        long n = tokens.getShape().get(1) - 1;
        if (n < 1) {
            throw new IllegalArgumentException("LSA: a prompt needs at least one context token, got shape "
                    + tokens.getShape());
        }
        NDManager scope = tokens.getManager();
        DataType type = tokens.getDataType();
        List<NDArray[]> products = new ArrayList<>(layerWeights.size());
        for (NDArray[] w : layerWeights) {
            if (w[0].getShape().get(0) != dim) {
                throw new IllegalArgumentException("LSA: weights are " + w[0].getShape() + " but tokens have width "
                        + dim + " (d = " + (dim - 1) + ")");
            }
            NDArray wq = local(scope, w[0], type);
            NDArray wk = local(scope, w[1], type);
            NDArray wv = local(scope, w[2], type);
            NDArray p = local(scope, w[3], type);
            NDArray kqT = wq.transpose().matMul(wk); // (W_Kᵀ W_Q)ᵀ = W_Qᵀ W_K, [D, D]
            NDArray pvT = wv.transpose().matMul(p.transpose()); // (P W_V)ᵀ, [D, D]
            products.add(new NDArray[] {kqT, pvT});
        }
        NDIndex context = new NDIndex(":, :-1, :");
        NDArray z = tokens; // [B, T, D]
        List<NDArray> hidden = keepHidden ? new ArrayList<>() : null;
        if (keepHidden) {
            hidden.add(z);
        }
        for (int l = 0; l < depth; l++) {
            NDArray[] w = products.get(l % products.size());
            NDArray zc = z.get(context); // [B, N, D]
            NDArray c = zc.transpose(0, 2, 1).batchMatMul(zc).div(n); // [B, D, D]
            NDArray delta = z.matMul(w[0]).batchMatMul(c).matMul(w[1]); // [B, T, D]
            z = z.add(delta);
            if (keepHidden) {
                hidden.add(z);
            }
        }
        NDArray preds = z.get(new NDIndex(":, -1, -1")).neg(); // [B]
        return keepHidden ? new NDList(preds, NDArrays.stack(new NDList(hidden))) : new NDList(preds);
    }

    /** A copy of a weight in {@code scope} and {@code type} that keeps the autograd link to the original. */
    private static NDArray local(NDManager scope, NDArray weight, DataType type) {
        NDArray copy = weight.toType(type, true);
        copy.attach(scope);
        return copy;
    }
}
