package org.descent.oracle;

import java.util.Random;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;

/** Seeded prompt sets built in plain Java (no engine), for oracle tests. */
final class TestPrompts {
    private TestPrompts() {}

    /**
     * {@code count} prompts with x = L z (z ~ N(0, I_d)), w ~ N(0, I_d), y = w·x + noise·ε.
     *
     * @param factor L {@code [d, d]}, or null for L = I
     */
    static PromptSet linear(int d, int n, int count, DMatrixRMaj factor, double noise, long seed) {
        Random rng = new Random(seed);
        int t = n + 1;
        int dim = d + 1;
        double[] tokens = new double[count * t * dim];
        double[] targets = new double[count];
        double[] z = new double[d];
        double[] w = new double[d];
        for (int b = 0; b < count; b++) {
            for (int k = 0; k < d; k++) {
                w[k] = rng.nextGaussian();
            }
            for (int i = 0; i < t; i++) {
                for (int k = 0; k < d; k++) {
                    z[k] = rng.nextGaussian();
                }
                double y = noise * rng.nextGaussian();
                for (int k = 0; k < d; k++) {
                    double x = z[k];
                    if (factor != null) {
                        x = 0;
                        for (int j = 0; j < d; j++) {
                            x += factor.get(k, j) * z[j];
                        }
                    }
                    tokens[(b * t + i) * dim + k] = x;
                    y += w[k] * x;
                }
                if (i < n) {
                    tokens[(b * t + i) * dim + d] = y;
                } else {
                    targets[b] = y;
                }
            }
        }
        return new PromptSet(d, n, tokens, targets);
    }

    /** A seeded random {@code [d, d]} matrix with N(0, scale²) entries (generally not symmetric). */
    static DMatrixRMaj randomMatrix(int d, double scale, long seed) {
        Random rng = new Random(seed);
        DMatrixRMaj m = new DMatrixRMaj(d, d);
        for (int i = 0; i < d * d; i++) {
            m.data[i] = scale * rng.nextGaussian();
        }
        return m;
    }

    /** max |a − b|. */
    static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** max |a|. */
    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** max |a − b| over all entries of two {@code [B][d]} arrays. */
    static double maxAbsDiff(double[][] a, double[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, maxAbsDiff(a[i], b[i]));
        }
        return m;
    }

    /** max |a − b| over two matrices of equal shape. */
    static double maxAbsDiff(DMatrixRMaj a, DMatrixRMaj b) {
        return maxAbsDiff(a.data, b.data);
    }

    static double mse(double[] pred, double[] target) {
        double s = 0;
        for (int i = 0; i < pred.length; i++) {
            double e = pred[i] - target[i];
            s += e * e;
        }
        return s / pred.length;
    }
}
