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
        NDArray mask = contextMask(tokens);
        List<NDArray[]> products = products(tokens, layerWeights, true);
        NDArray z = tokens; // [B, T, D]
        List<NDArray> hidden = keepHidden ? new ArrayList<>() : null;
        if (keepHidden) {
            hidden.add(z);
        }
        for (int l = 0; l < depth; l++) {
            z = layer(z, products.get(l % products.size()), mask);
            if (keepHidden) {
                hidden.add(z);
            }
        }
        NDArray preds = z.get(new NDIndex(":, -1, -1")).neg(); // [B]
        return keepHidden ? new NDList(preds, NDArrays.stack(new NDList(hidden))) : new NDList(preds);
    }

    /**
     * The prediction {@code ŷ [B]} alone, computed with less work than {@link #forward}: the first L − 1 layers update
     * every token as in {@code forward}, the last layer only the query token's label entry, the one entry the readout
     * reads. With {@code q} the query row and {@code zᵢ} the context rows entering the last layer,
     * {@code u = q (W_KᵀW_Q)ᵀ} and {@code p = (P W_V)[d, :]} (the label row), that entry moves by
     * {@code (1/N) Σ_{i<N} (u·zᵢ)(zᵢ·p)}, which is {@code [Z (W_KᵀW_Q)ᵀ C (P W_V)ᵀ][N, d]} regrouped: no
     * {@code [B, D, D]} matrix C and no update of the context rows for the last layer. Equal to {@code forward}'s
     * ŷ up to rounding (the sums are ordered differently); training and the float64 evaluation use it.
     *
     * @param tokens {@code [B, T, D]}; its manager owns every intermediate and the result
     * @param layerWeights as for {@link #forward}
     * @param depth number of layer applications L
     * @return {@code ŷ [B]}
     */
    public static NDArray predict(NDArray tokens, List<NDArray[]> layerWeights, int depth) {
        NDArray mask = contextMask(tokens);
        List<NDArray[]> products = products(tokens, layerWeights, depth > 1); // (P W_V)ᵀ only for full layers
        NDArray z = tokens; // [B, T, D]
        for (int l = 0; l < depth - 1; l++) {
            z = layer(z, products.get(l % products.size()), mask);
        }
        int last = (depth - 1) % products.size();
        NDArray kqT = products.get(last)[0];
        NDArray labelColumn = labelColumn(tokens, layerWeights.get(last)); // p [D, 1]
        NDArray query = z.get(new NDIndex(":, -1, :")); // q [B, D]
        NDArray u = query.matMul(kqT).expandDims(2); // [B, D, 1]
        NDArray scores = z.batchMatMul(u); // u·z_t [B, T, 1]
        NDArray values = z.matMul(labelColumn); // z_t·p [B, T, 1]
        NDArray move = scores.mul(values).mul(mask).sum(new int[] {1, 2}); // (1/N) Σ_{t<N}, [B]
        return query.get(new NDIndex(":, -1")).add(move).neg(); // ŷ = −(q_d + move)
    }

    /**
     * The context mask {@code m [T, 1]}: {@code 1/N} for the N context tokens, 0 for the query, in the tokens' scope
     * and type. Sums over context tokens are sums over all tokens weighted by m, so no slice of Z (whose gradient
     * would be a zero-filled copy of Z) is needed.
     */
    private static NDArray contextMask(NDArray tokens) {
        long n = contextLength(tokens);
        double[] m = new double[(int) n + 1];
        java.util.Arrays.fill(m, 0, (int) n, 1.0 / n);
        return tokens.getManager().create(m, new ai.djl.ndarray.types.Shape(n + 1, 1))
                .toType(tokens.getDataType(), false);
    }

    /** Number of context tokens N of {@code tokens [B, N+1, D]}, after checking the shape. */
    private static long contextLength(NDArray tokens) {
        if (tokens.getShape().dimension() != 3) {
            throw new IllegalArgumentException("LSA: tokens must be [B, N+1, D], got " + tokens.getShape());
        }
        long n = tokens.getShape().get(1) - 1;
        if (n < 1) {
            throw new IllegalArgumentException("LSA: a prompt needs at least one context token, got shape "
                    + tokens.getShape());
        }
        return n;
    }

    /**
     * Per distinct layer {@code [(W_KᵀW_Q)ᵀ [D, D], (P W_V)ᵀ [D, D]]} in the tokens' scope and type; the second is null
     * unless {@code withValues} (a readout-only last layer does not need it).
     */
    private static List<NDArray[]> products(NDArray tokens, List<NDArray[]> layerWeights, boolean withValues) {
        long dim = tokens.getShape().get(2);
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
            NDArray kqT = own(scope, own(scope, wq.transpose()).matMul(wk)); // (W_Kᵀ W_Q)ᵀ = W_Qᵀ W_K, [D, D]
            NDArray pvT = null;
            if (withValues) {
                NDArray wv = local(scope, w[2], type);
                NDArray p = local(scope, w[3], type);
                pvT = own(scope, own(scope, wv.transpose()).matMul(own(scope, p.transpose()))); // (P W_V)ᵀ
            }
            products.add(new NDArray[] {kqT, pvT});
        }
        return products;
    }

    /**
     * The label row of {@code P W_V} as a column, {@code (P W_V)[d, :]ᵀ = W_Vᵀ P[d, :]ᵀ [D, 1]}, in the tokens' scope
     * and type. Computed on its own rather than sliced out of {@code (P W_V)ᵀ}: a contiguous column makes the matrix
     * product with the tokens several times faster.
     */
    private static NDArray labelColumn(NDArray tokens, NDArray[] w) {
        NDManager scope = tokens.getManager();
        NDArray wv = local(scope, w[2], tokens.getDataType());
        NDArray p = local(scope, w[3], tokens.getDataType());
        return own(scope, own(scope, own(scope, p.get(new NDIndex("-1:, :"))).matMul(wv)).transpose());
    }

    /**
     * One layer on all tokens, {@code [B, T, D]}: {@code Z + Z (W_KᵀW_Q)ᵀ C (P W_V)ᵀ} with
     * {@code C = Z_cᵀZ_c/N = (m ⊙ Z)ᵀ Z} ({@code [B, D, D]}, m the context mask).
     */
    private static NDArray layer(NDArray z, NDArray[] w, NDArray mask) {
        NDArray c = z.mul(mask).transpose(0, 2, 1).batchMatMul(z); // [B, D, D]
        NDArray delta = z.matMul(w[0]).batchMatMul(c).matMul(w[1]); // [B, T, D]
        return z.add(delta);
    }

    /**
     * A weight in {@code type} that keeps the autograd link to the original: the weight itself when it has the type
     * already (no copy), else a converted copy owned by {@code scope}.
     */
    private static NDArray local(NDManager scope, NDArray weight, DataType type) {
        return weight.getDataType() == type ? weight : own(scope, weight.toType(type, true));
    }

    /** Hands {@code a} to {@code scope}: results of operations on model-owned weights belong to their manager. */
    private static NDArray own(NDManager scope, NDArray a) {
        a.attach(scope);
        return a;
    }
}
