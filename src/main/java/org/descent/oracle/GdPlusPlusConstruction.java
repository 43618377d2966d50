package org.descent.oracle;

import java.util.ArrayList;
import java.util.List;
import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaWeights;
import org.ejml.data.DMatrixRMaj;

/**
 * LSA weights that run GD++ (von Oswald et al. 2023, §4), exactly the algorithm of {@link GdPlusPlusOracle}: layer k
 * has {@code W_Kᵀ W_Q = [[I_d, 0], [0, 0]]} and {@code P W_V = [[−γ_k I_d, 0], [0, −η_k]]} ({@code [D, D]}).
 * With the LSA update of the README's contracts ({@code e_j ← e_j + P W_V Σ_{i<N} e_i (e_iᵀ W_KᵀW_Q e_j) / N}) every
 * token
 * (context and query) changes by {@code Δx_j = −γ_k C x_j} and {@code Δy_j = −η_k h·x_j}, with
 * {@code C = Σ x_i x_iᵀ / N} and {@code h = Σ y_i x_i / N} over the current context tokens: one GD step on the
 * labels plus the curvature correction {@code x ← (I − γ_k C) x} of the inputs.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code D = d + 1} token width, {@code K} layers.
 */
public final class GdPlusPlusConstruction {
    private GdPlusPlusConstruction() {}

    /** One GD++ layer with label step η and input correction γ. */
    public static LsaLayerWeights layer(int d, double eta, double gamma) {
        if (d <= 0) {
            throw new IllegalArgumentException("GD++ construction: d must be positive, got " + d);
        }
        if (!Double.isFinite(eta) || !Double.isFinite(gamma)) {
            throw new IllegalArgumentException("GD++ construction: η and γ must be finite, got η=" + eta + " γ="
                    + gamma);
        }
        int dim = d + 1;
        DMatrixRMaj kq = new DMatrixRMaj(dim, dim);
        DMatrixRMaj pv = new DMatrixRMaj(dim, dim);
        for (int k = 0; k < d; k++) {
            kq.set(k, k, 1.0);
            pv.set(k, k, -gamma);
        }
        pv.set(d, d, -eta);
        return LsaLayerWeights.fromProducts(kq, pv);
    }

    /** K GD++ layers with steps η_1..η_K and corrections γ_1..γ_K (equal lengths). */
    public static LsaWeights weights(int d, double[] etas, double[] gammas) {
        GdPlusPlusOracle.checkParameters(etas, gammas);
        List<LsaLayerWeights> layers = new ArrayList<>();
        for (int k = 0; k < etas.length; k++) {
            layers.add(layer(d, etas[k], gammas[k]));
        }
        return LsaWeights.of(layers);
    }
}
