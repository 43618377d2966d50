package org.descent.oracle;

import java.util.List;
import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaWeights;
import org.ejml.data.DMatrixRMaj;

/**
 * The weight construction of von Oswald et al. 2023 (Prop. 1): a single LSA layer whose forward pass is exactly one
 * step of gradient descent with step size η on the in-context least-squares loss, from w₀ = 0.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code D = d + 1} token width.
 *
 * <p>{@code W_Kᵀ W_Q = [[I_d, 0], [0, 0]]} and {@code P W_V = [[0, 0], [0, −η]]} ({@code [D, D]}): the query's
 * label slot receives {@code −η Σ y_i x_iᵀ x_q / N}, and the readout {@code ŷ = −(label slot)} gives
 * {@code η x_q·h}. Context label slots become residuals {@code y_i − w₁·x_i}, so stacking the same layer with
 * step η_k continues gradient descent.
 */
public final class OneStepGdConstruction {
    private OneStepGdConstruction() {}

    /** One LSA layer implementing one GD step of size η for inputs of dimension d. */
    public static LsaLayerWeights layer(int d, double eta) {
        if (d <= 0) {
            throw new IllegalArgumentException("GD construction: d must be positive, got " + d);
        }
        int dim = d + 1;
        DMatrixRMaj kq = new DMatrixRMaj(dim, dim);
        for (int k = 0; k < d; k++) {
            kq.set(k, k, 1.0);
        }
        DMatrixRMaj pv = new DMatrixRMaj(dim, dim);
        pv.set(d, d, -eta);
        return LsaLayerWeights.fromProducts(kq, pv);
    }

    /** A one-layer LSA implementing one GD step of size η. */
    public static LsaWeights weights(int d, double eta) {
        return LsaWeights.of(List.of(layer(d, eta)));
    }
}
