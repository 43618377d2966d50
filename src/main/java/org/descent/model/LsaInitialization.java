package org.descent.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded Gaussian initialisation of LSA weights, drawn on the Java side so that it does not depend on the
 * engine's generator or the device.
 */
public final class LsaInitialization {
    private LsaInitialization() {}

    /**
     * Every entry of every matrix ~ N(0, scale²), from a generator seeded with {@code seed}.
     *
     * @param d input dimension (tokens are D = d + 1 wide)
     */
    public static LsaWeights gaussian(int d, ModelConfig model, long seed) {
        int dim = d + 1;
        SplittableRandom rng = new SplittableRandom(seed);
        int distinct = model.weightTied() ? 1 : model.layers();
        List<LsaLayerWeights> layers = new ArrayList<>(distinct);
        for (int l = 0; l < distinct; l++) {
            double[][] m = new double[4][dim * dim];
            for (double[] mat : m) {
                for (int i = 0; i < mat.length; i++) {
                    // round through float so the float32 model starts from exactly these values
                    mat[i] = (float) (rng.nextGaussian() * model.initScale());
                }
            }
            layers.add(new LsaLayerWeights(dim, m[0], m[1], m[2], m[3]));
        }
        return new LsaWeights(layers, model.layers());
    }
}
