package org.descent.train;

import static org.descent.TestSupport.assertClose;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fused Adam update against PyTorch's Adam written out in double precision. */
class AdamOptimizerTest {
    /** float32 arithmetic on weights of order 1 over a few steps: a few float32 ulps. */
    static final double FLOAT32_TOL = 1e-6;

    @Test
    void fusedUpdateEqualsPyTorchsFormula() {
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double lr = 0.01;
        double[] scales = {1, 0.5, 1, 0.25, 1, 1};
        SplittableRandom rng = new SplittableRandom(3);
        int size = 9;
        double[] w = new double[size];
        for (int i = 0; i < size; i++) {
            w[i] = rng.nextGaussian();
        }
        double[] m = new double[size];
        double[] v = new double[size];
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray weight = manager.create(toFloats(w), new Shape(3, 3));
            AdamOptimizer adam = new AdamOptimizer(beta1, beta2, eps, List.of(manager.zeros(new Shape(3, 3))),
                    List.of(manager.zeros(new Shape(3, 3))), 0);
            for (int t = 1; t <= scales.length; t++) {
                double[] g = new double[size];
                for (int i = 0; i < size; i++) {
                    // small gradients make ε matter, large ones the bias correction
                    g[i] = rng.nextGaussian() * (i % 3 == 0 ? 1e-7 : 2.0);
                }
                float[] gf = toFloats(g);
                NDArray grad = manager.create(gf, new Shape(3, 3));
                adam.update(List.of(weight), List.of(grad), lr, scales[t - 1]);
                for (int i = 0; i < size; i++) { // torch.optim.Adam on the clipped gradient
                    double gi = gf[i] * scales[t - 1];
                    m[i] = beta1 * m[i] + (1 - beta1) * gi;
                    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
                    double mHat = m[i] / (1 - Math.pow(beta1, t));
                    double vHat = v[i] / (1 - Math.pow(beta2, t));
                    w[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
                }
                assertClose(toDoubles(weight.toFloatArray()), w, FLOAT32_TOL, "weights after step " + t);
                assertClose(toDoubles(grad.toFloatArray()), toDoubles(gf), 0, "the gradient is left unchanged");
            }
        }
    }

    private static float[] toFloats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    private static double[] toDoubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
