package org.descent.oracle;

import java.util.ArrayList;
import java.util.List;
import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaWeights;

/**
 * K layers of the von Oswald et al. construction: layer k is {@link OneStepGdConstruction#layer(int, double)} with
 * its own step η_k ({@code W_Kᵀ W_Q = [[I_d, 0], [0, 0]]}, {@code P W_V = [[0, 0], [0, −η_k]]}), identical in every
 * layer up to η_k (README, Contracts). Context label slots carry the residuals {@code y_i − w_k·x_i} from layer to
 * layer, so
 * the stack computes K plain GD steps from w₀ = 0: the same function as
 * {@link GradientDescentOracle#steps(double...)}.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code K} layers (steps).
 */
public final class MultiStepGdConstruction {
    private MultiStepGdConstruction() {}

    /** K separate layers with steps η_1..η_K. */
    public static LsaWeights weights(int d, double... etas) {
        if (etas.length == 0) {
            throw new IllegalArgumentException("GD construction: at least one step is required");
        }
        List<LsaLayerWeights> layers = new ArrayList<>();
        for (double eta : etas) {
            if (!Double.isFinite(eta)) {
                throw new IllegalArgumentException("GD construction: step sizes must be finite, got " + eta);
            }
            layers.add(OneStepGdConstruction.layer(d, eta));
        }
        return LsaWeights.of(layers);
    }

    /** One weight-tied layer applied {@code depth} times: {@code depth} GD steps of the same size η. */
    public static LsaWeights tied(int d, double eta, int depth) {
        return new LsaWeights(List.of(OneStepGdConstruction.layer(d, eta)), depth);
    }
}
