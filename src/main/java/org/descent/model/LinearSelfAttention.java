package org.descent.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
 *
 * <p>Kernel-friendly width: with more than one layer, the products run at width {@code D' = D} rounded up to a multiple
 * of {@value #WIDTH_ALIGNMENT} ({@link #paddedWidth}), with {@code D' − D} zero feature columns in front of the tokens
 * and zero rows and columns in front of {@code (W_KᵀW_Q)ᵀ} and {@code (P W_V)ᵀ}. The padded columns of every layer's update are exactly zero, so
 * the padded stream is the original one with zero columns in front and the label entry stays last; only the order in
 * which the matrix kernels add the terms changes. On CPU the engine's small matrix products are several times faster
 * at a width that is a multiple of 4 (on AMD EPYC, at D = 11 a {@code [B·T, D] × [D, D]} product takes 3× as long as
 * at D = 12).
 */
public final class LinearSelfAttention {
    /** The products' width is a multiple of this; see {@link #paddedWidth}. */
    public static final int WIDTH_ALIGNMENT = 4;

    private LinearSelfAttention() {}

    /** The width {@code D'} the products run at for tokens of width {@code D}: D rounded up to a multiple of 4. */
    public static int paddedWidth(long width) {
        return (int) ((width + WIDTH_ALIGNMENT - 1) / WIDTH_ALIGNMENT * WIDTH_ALIGNMENT);
    }

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
        int pad = padding(tokens, depth);
        List<NDArray[]> products = products(tokens, layerWeights, true, pad);
        NDArray z = padTokens(tokens, pad); // [B, T, D']
        List<NDArray> hidden = keepHidden ? new ArrayList<>() : null;
        if (keepHidden) {
            hidden.add(tokens);
        }
        for (int l = 0; l < depth; l++) {
            z = layer(z, products.get(l % products.size()), mask);
            if (keepHidden) {
                hidden.add(pad == 0 ? z : z.get(new NDIndex(":, :, " + pad + ":"))); // [B, T, D]
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
        int pad = padding(tokens, depth);
        List<NDArray[]> products = products(tokens, layerWeights, depth > 1, pad); // (P W_V)ᵀ only for full layers
        NDArray z = padTokens(tokens, pad); // [B, T, D']
        for (int l = 0; l < depth - 1; l++) {
            z = layer(z, products.get(l % products.size()), mask);
        }
        int last = (depth - 1) % products.size();
        NDArray kqT = products.get(last)[0];
        NDArray labelColumn = labelColumn(tokens, layerWeights.get(last), pad); // p [D', 1]
        NDArray query = z.get(new NDIndex(":, -1, :")); // q [B, D']
        NDArray u = query.matMul(kqT).expandDims(2); // [B, D', 1]
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
        return tokens.getManager().create(m, new Shape(n + 1, 1))
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
     * Per distinct layer {@code [(W_KᵀW_Q)ᵀ [D', D'], (P W_V)ᵀ [D', D']]} in the tokens' scope and type, zero-padded in
     * front to the kernel width; the second is null unless {@code withValues} (a readout-only last layer does not need
     * it).
     */
    private static List<NDArray[]> products(NDArray tokens, List<NDArray[]> layerWeights, boolean withValues,
            int pad) {
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
            products.add(new NDArray[] {padFront(kqT, pad, true), pvT == null ? null : padFront(pvT, pad, true)});
        }
        return products;
    }

    /**
     * The label row of {@code P W_V} as a column, {@code (P W_V)[d, :]ᵀ = W_Vᵀ P[d, :]ᵀ}, zero-padded in front to
     * {@code [D', 1]}, in the tokens' scope and type. Computed on its own rather than sliced out of
     * {@code (P W_V)ᵀ}: a contiguous column makes the matrix product with the tokens several times faster.
     */
    private static NDArray labelColumn(NDArray tokens, NDArray[] w, int pad) {
        NDManager scope = tokens.getManager();
        NDArray wv = local(scope, w[2], tokens.getDataType());
        NDArray p = local(scope, w[3], tokens.getDataType());
        NDArray column = own(scope, own(scope, own(scope, p.get(new NDIndex("-1:, :"))).matMul(wv)).transpose());
        return padFront(column, pad, false);
    }

    /**
     * Number of zero feature columns put in front of {@code tokens [B, T, D]}: {@code D' − D} when some layer updates
     * every token ({@code depth > 1}), else 0 (a readout-only single layer has no product that gains from it).
     */
    private static int padding(NDArray tokens, int depth) {
        long width = tokens.getShape().get(2);
        return depth > 1 ? (int) (paddedWidth(width) - width) : 0;
    }

    /** {@code [B, T, D]} → {@code [B, T, D']}: {@code pad} zero columns in front (differentiable in the tokens). */
    private static NDArray padTokens(NDArray tokens, int pad) {
        if (pad == 0) {
            return tokens;
        }
        Shape s = tokens.getShape();
        NDArray zeros = tokens.getManager().zeros(new Shape(s.get(0), s.get(1), pad), tokens.getDataType());
        return zeros.concat(tokens, 2);
    }

    /**
     * {@code pad} zero rows in front of {@code a [R, C]}, and as many zero columns when {@code columnsToo}, in
     * {@code a}'s scope and type; differentiable in {@code a}.
     */
    private static NDArray padFront(NDArray a, int pad, boolean columnsToo) {
        if (pad == 0) {
            return a;
        }
        NDManager scope = a.getManager();
        NDArray wide = a;
        if (columnsToo) {
            wide = scope.zeros(new Shape(a.getShape().get(0), pad), a.getDataType()).concat(a, 1);
        }
        return scope.zeros(new Shape(pad, wide.getShape().get(1)), a.getDataType()).concat(wide, 0);
    }

    /**
     * One layer on all tokens, {@code [B, T, D']}: {@code Z + Z A C B} with {@code A = (W_KᵀW_Q)ᵀ},
     * {@code B = (P W_V)ᵀ} and {@code C = Z_cᵀZ_c/N = (m ⊙ Z)ᵀ Z} ({@code [B, D', D']}, m the context mask). The
     * association follows the shape: with no more tokens than features, {@code ((Z A) C) B}; with more tokens
     * ({@code T > D'}), {@code Z (A C B)}, so that the dense products with A and B have {@code B·D'} rows instead of
     * {@code B·T} (the batched products are the same in number and size).
     */
    private static NDArray layer(NDArray z, NDArray[] w, NDArray mask) {
        long tokens = z.getShape().get(1);
        long width = z.getShape().get(2);
        if (tokens <= width) {
            NDArray c = z.mul(mask).transpose(0, 2, 1).batchMatMul(z); // C [B, D', D']
            NDArray delta = z.matMul(w[0]).batchMatMul(c).matMul(w[1]); // [B, T, D']
            return z.add(delta);
        }
        NDArray cT = z.transpose(0, 2, 1).batchMatMul(z.mul(mask)); // Cᵀ = Zᵀ (m ⊙ Z) [B, D', D']
        NDArray ac = cT.matMul(w[0].transpose()).transpose(0, 2, 1); // (Cᵀ Aᵀ)ᵀ = A C [B, D', D']
        NDArray acb = ac.matMul(w[1]); // A C B [B, D', D']
        return z.add(z.batchMatMul(acb)); // [B, T, D']
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
