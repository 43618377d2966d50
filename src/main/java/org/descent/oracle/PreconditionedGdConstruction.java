package org.descent.oracle;

import java.util.ArrayList;
import java.util.List;
import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaWeights;
import org.ejml.data.DMatrixRMaj;

/**
 * LSA weights that run preconditioned gradient descent (PGD) on each prompt's in-context least-squares loss
 * {@code L(w) = 1/(2N) Σ (w·x_i − y_i)²} from w₀ = 0: {@code w_k = w_{k−1} − η_k Γ ∇L(w_{k−1})}.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code D = d + 1} token width, {@code Γ [d, d]}.
 *
 * <p>Per layer ({@code [D, D]}): {@code W_Kᵀ W_Q = [[Γᵀ, 0], [0, 0]]} and {@code P W_V = [[0, 0], [0, −η_k]]}.
 * The label slot of token j then changes by {@code −η_k Σ_i y_i x_iᵀ Γᵀ x_j / N = −η_k (Γ h)·x_j} with
 * {@code h = Σ y_i x_i / N} the negative gradient at the current iterate, so context slots hold the residuals
 * {@code y_i − w_k·x_i} and the query slot {@code −w_k·x_q}; the readout gives {@code ŷ = w_K·x_q}. One layer with
 * η = 1 computes {@code ŷ = x_qᵀ Γ h}, and its effective preconditioner (README, Contracts, {@link
 * EffectivePreconditioner})
 * is {@code −v Aᵀ = η Γ}. Γ need not be symmetric.
 */
public final class PreconditionedGdConstruction {
    private PreconditionedGdConstruction() {}

    /** One LSA layer implementing one PGD step {@code w ← w − η Γ ∇L(w)}. */
    public static LsaLayerWeights layer(DMatrixRMaj gamma, double eta) {
        if (gamma.numRows != gamma.numCols || gamma.numRows == 0) {
            throw new IllegalArgumentException("PGD construction: Γ must be square and non-empty, got "
                    + gamma.numRows + "x" + gamma.numCols);
        }
        if (!Double.isFinite(eta)) {
            throw new IllegalArgumentException("PGD construction: step size must be finite, got " + eta);
        }
        int d = gamma.numRows;
        int dim = d + 1;
        DMatrixRMaj kq = new DMatrixRMaj(dim, dim);
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                double v = gamma.get(b, a); // Γᵀ
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("PGD construction: Γ has a non-finite entry " + v);
                }
                kq.set(a, b, v);
            }
        }
        DMatrixRMaj pv = new DMatrixRMaj(dim, dim);
        pv.set(d, d, -eta);
        return LsaLayerWeights.fromProducts(kq, pv);
    }

    /** A one-layer LSA computing {@code ŷ = x_qᵀ Γ h}. */
    public static LsaWeights weights(DMatrixRMaj gamma) {
        return LsaWeights.of(List.of(layer(gamma, 1.0)));
    }

    /** A K-layer LSA computing K PGD steps with one Γ and step sizes η_1..η_K (K = {@code etas.length}). */
    public static LsaWeights steps(DMatrixRMaj gamma, double... etas) {
        if (etas.length == 0) {
            throw new IllegalArgumentException("PGD construction: at least one step is required");
        }
        List<LsaLayerWeights> layers = new ArrayList<>();
        for (double eta : etas) {
            layers.add(layer(gamma, eta));
        }
        return LsaWeights.of(layers);
    }

    /**
     * A looped (weight-tied) LSA: the one layer {@link #layer(DMatrixRMaj, double)} applied {@code loops} times, i.e.
     * {@code loops} PGD steps with one shared Γ and step η; the same function as
     * {@link GradientDescentOracle#preconditionedSteps} with every η_k = η, for any number of loops.
     */
    public static LsaWeights looped(DMatrixRMaj gamma, double eta, int loops) {
        if (loops <= 0) {
            throw new IllegalArgumentException("PGD construction: loops must be positive, got " + loops);
        }
        return new LsaWeights(List.of(layer(gamma, eta)), loops);
    }
}
