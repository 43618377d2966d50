package org.descent.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.descent.util.EngineArrays;
import org.ejml.data.DMatrixRMaj;

/**
 * The restricted looped linear transformer of Gatmiry, Saunshi, Reddi, Jegelka and Kumar 2024 (after the sparse
 * parameterisation of Ahn, Cheng, Daneshmand and Sra 2023), written in descent's LSA contract: one layer applied L
 * times whose only free blocks are a preconditioner {@code A} and a vector {@code u}; every other entry is fixed.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code D = d + 1} token width, {@code N} context length,
 * {@code A [d, d]}, {@code u [d]}, tokens {@code [B, N+1, D]}.
 *
 * <p>The paper's layer is {@code Z ← Z − (1/N) P Z M (Zᵀ Q Z)} with {@code Q = [[A, 0], [0, 0]]},
 * {@code P = [[0, 0], [uᵀ, 1]]}, M the mask of the context columns, and the prediction {@code −Z_L[d, N]}. In
 * descent's contract ({@code e_j ← e_j + P W_V Σ_{i<N} e_i (e_iᵀ W_Kᵀ W_Q e_j) / N}, readout {@code −e_q[d]}) the
 * same layer is
 * <pre>  W_Kᵀ W_Q = [[A, 0], [0, 0]]   and   P W_V = [[0, 0], [−uᵀ, −1]]</pre>
 * (stored as {@code W_Q = W_Kᵀ W_Q}, {@code W_K = I}, {@code W_V = P W_V}, {@code P = I}). The inputs never change;
 * the label slot of token j moves by {@code −(1/N) Σ_i (y_i + u·x_i) x_iᵀ A x_j}. With {@code u = 0} the context slots
 * hold the residuals {@code y_i − w_k·x_i}, the query slot {@code −w_k·x_q}, and one loop is one preconditioned GD
 * step {@code w ← w − Γ ∇L(w)} on {@code L(w) = 1/(2N) Σ (w·x_i − y_i)²} with {@code Γ = Aᵀ} (the convention of
 * {@code oracle.PreconditionedGdConstruction} with η = 1): L loops are L PGD steps with one shared Γ.
 */
public final class LoopedPreconditionerLsa {
    private LoopedPreconditionerLsa() {}

    /**
     * The looped LSA with preconditioner block {@code a} and label-row vector {@code u}, applied {@code loops} times.
     *
     * @param a {@code A [d, d]}
     * @param u {@code u [d]}
     */
    public static LsaWeights weights(DMatrixRMaj a, double[] u, int loops) {
        int d = a.numRows;
        if (a.numCols != d || d == 0) {
            throw new IllegalArgumentException("looped preconditioner LSA: A must be square and non-empty, got "
                    + a.numRows + "x" + a.numCols);
        }
        if (u.length != d) {
            throw new IllegalArgumentException("looped preconditioner LSA: u must have d = " + d + " entries, got "
                    + u.length);
        }
        if (loops <= 0) {
            throw new IllegalArgumentException("looped preconditioner LSA: loops must be positive, got " + loops);
        }
        int dim = d + 1;
        DMatrixRMaj kq = new DMatrixRMaj(dim, dim);
        DMatrixRMaj pv = new DMatrixRMaj(dim, dim);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                kq.set(i, j, a.get(i, j));
            }
            pv.set(d, i, -u[i]);
        }
        pv.set(d, d, -1.0);
        return new LsaWeights(List.of(LsaLayerWeights.fromProducts(kq, pv)), loops);
    }

    /** {@code A [d, d]}: the top-left block of {@code W_Kᵀ W_Q} of the (first) layer. */
    public static DMatrixRMaj preconditionerBlock(LsaWeights w) {
        DMatrixRMaj kq = w.layer(0).keyQuery();
        int d = w.dim() - 1;
        DMatrixRMaj a = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                a.set(i, j, kq.get(i, j));
            }
        }
        return a;
    }

    /** {@code Γ = Aᵀ [d, d]}: the preconditioner of the PGD step one loop computes when u = 0. */
    public static DMatrixRMaj gamma(LsaWeights w) {
        DMatrixRMaj a = preconditionerBlock(w);
        DMatrixRMaj g = new DMatrixRMaj(a.numCols, a.numRows);
        org.ejml.dense.row.CommonOps_DDRM.transpose(a, g);
        return g;
    }

    /** {@code u [d]}: minus the input part of the label row of {@code P W_V} of the (first) layer. */
    public static double[] labelRowVector(LsaWeights w) {
        DMatrixRMaj pv = w.layer(0).projectedValue();
        int d = w.dim() - 1;
        double[] u = new double[d];
        for (int i = 0; i < d; i++) {
            u[i] = -pv.get(d, i);
        }
        return u;
    }

    /**
     * The layer's four arrays (W_Q, W_K, W_V, P), each {@code [D, D]}, built from {@code a} and {@code u} by matrix
     * products with constant selector matrices, so that autograd reaches {@code a} and {@code u}; every constant is an
     * engine-owned array in {@code scope} (no Java-backed operand on the differentiable path).
     *
     * @param a {@code A [d, d]}
     * @param u {@code u [d]}
     * @param scope owner of the constants and results
     * @param type the arrays' type (that of the tokens)
     */
    public static NDArray[] layerArrays(NDArray a, NDArray u, NDManager scope, DataType type) {
        int d = (int) a.getShape().get(0);
        int dim = d + 1;
        double[] embed = new double[dim * d]; // E = [I_d; 0], [D, d]
        for (int i = 0; i < d; i++) {
            embed[i * d + i] = 1.0;
        }
        double[] last = new double[dim]; // e_d, [D, 1]
        last[d] = 1.0;
        double[] eye = new double[dim * dim];
        for (int i = 0; i < dim; i++) {
            eye[i * dim + i] = 1.0;
        }
        NDArray e = EngineArrays.copyOf(scope, embed, new Shape(dim, d), type);
        NDArray ed = EngineArrays.copyOf(scope, last, new Shape(dim, 1), type);
        NDArray identity = EngineArrays.copyOf(scope, eye, new Shape(dim, dim), type);
        NDArray aa = a.getDataType() == type ? a : a.toType(type, true);
        NDArray uu = u.getDataType() == type ? u : u.toType(type, true);
        NDArray kq = e.matMul(aa).matMul(e.transpose()); // [[A, 0], [0, 0]], [D, D]
        NDArray row = e.matMul(uu.reshape(d, 1)).add(ed); // (u, 1) as a column, [D, 1]
        NDArray pv = ed.neg().matMul(row.transpose()); // [[0, 0], [−uᵀ, −1]], [D, D]
        return new NDArray[] {kq, identity, pv, identity};
    }

    /**
     * The prediction {@code ŷ [B]} of the looped model on {@code tokens [B, N+1, D]} ({@link
     * LinearSelfAttention#predict}), differentiable in {@code a} and {@code u}.
     */
    public static NDArray predict(NDArray tokens, NDArray a, NDArray u, int loops) {
        NDArray[] layer = layerArrays(a, u, tokens.getManager(), tokens.getDataType());
        return LinearSelfAttention.predict(tokens, java.util.Collections.singletonList(layer), loops);
    }
}
