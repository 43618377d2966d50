package org.descent.task.sequence;

import java.util.Random;
import org.descent.task.RandomRotation;
import org.ejml.data.DMatrixRMaj;

/**
 * The distribution of the transition matrix W of a sequence ({@code x_{t+1} = W x_t}), one W per sequence. Both
 * classes are orthogonal, so ‖x_t‖ = ‖x_1‖ along a noise-free sequence.
 */
public enum TransitionClass {
    /**
     * Block-diagonal rotations: d/2 blocks {@code [[cos θ_k, −sin θ_k], [sin θ_k, cos θ_k]]}, θ_k i.i.d. uniform on
     * [0, 2π). The real form of Zheng et al.'s (and Sander et al.'s) diagonal unitary W = diag(e^{iθ_k}): block k is
     * the complex eigenvalue pair e^{±iθ_k}. Needs even d.
     */
    ROTATION_BLOCKS("rotation-blocks") {
        @Override
        public double[] sample(int d, Random rng) {
            double[] w = new double[d * d];
            for (int k = 0; k < d / 2; k++) {
                double theta = 2 * Math.PI * rng.nextDouble();
                double c = Math.cos(theta);
                double s = Math.sin(theta);
                int i = 2 * k;
                w[i * d + i] = c;
                w[i * d + i + 1] = -s;
                w[(i + 1) * d + i] = s;
                w[(i + 1) * d + i + 1] = c;
            }
            return w;
        }

        @Override
        public void validate(int d) {
            if (d % 2 != 0) {
                throw new IllegalArgumentException("sequence task: rotation-blocks needs an even d, got " + d);
            }
        }
    },
    /** Haar-random orthogonal W ({@link RandomRotation}, seeded from the sequence's generator). */
    ORTHOGONAL("orthogonal") {
        @Override
        public double[] sample(int d, Random rng) {
            DMatrixRMaj q = RandomRotation.orthogonal(d, rng.nextLong());
            return q.data.clone();
        }
    };

    private final String id;

    TransitionClass(String id) {
        this.id = id;
    }

    /** The name used in configs and reports. */
    public String id() {
        return id;
    }

    /** One transition matrix, row-major {@code [d, d]}, drawn from {@code rng}. */
    public abstract double[] sample(int d, Random rng);

    /** Throws when the class cannot produce a d×d matrix. */
    public void validate(int d) {}
}
