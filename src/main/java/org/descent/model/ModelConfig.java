package org.descent.model;

/**
 * Architecture and initialisation of an LSA transformer.
 *
 * @param layers number of layer applications L, at least 1
 * @param weightTied whether one layer's weights are reused L times (a recurrent LSA)
 * @param initScale standard deviation of the Gaussian initialisation of every weight entry, positive
 */
public record ModelConfig(int layers, boolean weightTied, double initScale) {

    public ModelConfig {
        if (layers <= 0) {
            throw new IllegalArgumentException("model: layers must be a positive integer, got " + layers);
        }
        if (!(initScale > 0) || Double.isInfinite(initScale)) {
            throw new IllegalArgumentException("model: initScale must be a positive finite number, got " + initScale);
        }
    }

    /** One layer, separate weights, init std 0.1 (the von Oswald et al. single-layer setting). */
    public static ModelConfig defaults() {
        return new ModelConfig(1, false, 0.1);
    }

    public ModelConfig withLayers(int l) {
        return new ModelConfig(l, weightTied, initScale);
    }
}
