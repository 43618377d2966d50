package org.descent.task.sequence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The sequence task family: validation, determinism in the seed, and the dynamics x_{t+1} = W x_t. */
class SequenceSamplerTest {
    /** Double-precision agreement of a recomputed transition. */
    static final double EXACT = 1e-12;

    @Test
    void configValidationNamesTheField() {
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> SequenceTaskConfig.isotropic(5, 10, TransitionClass.ROTATION_BLOCKS));
        assertTrue(odd.getMessage().contains("even d"), odd.getMessage());
        IllegalArgumentException scales = assertThrows(IllegalArgumentException.class,
                () -> new SequenceTaskConfig(4, 10, TransitionClass.ORTHOGONAL, new double[] {1, 1}, 0));
        assertTrue(scales.getMessage().contains("initialScales"), scales.getMessage());
        IllegalArgumentException len = assertThrows(IllegalArgumentException.class,
                () -> SequenceTaskConfig.isotropic(4, 2, TransitionClass.ORTHOGONAL));
        assertTrue(len.getMessage().contains("length"), len.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new SequenceTaskConfig(4, 10, TransitionClass.ORTHOGONAL, new double[] {1, 1, 1, 1}, -1));
    }

    @Test
    void sequencesAreAPureFunctionOfTheSeedAndFollowTheirTransition() {
        for (TransitionClass c : TransitionClass.values()) {
            SequenceSampler sampler = new SequenceSampler(new SequenceTaskConfig(4, 8, c,
                    new double[] {0.5, 0.5, 2, 2}, 0));
            SequenceSet a = sampler.sample(5, 42);
            SequenceSet b = sampler.sample(5, 42);
            assertArrayEquals(a.tokens(), b.tokens(), 0.0, "same seed, same numbers");
            assertArrayEquals(a.transitions(), b.transitions(), 0.0);
            assertFalse(java.util.Arrays.equals(a.tokens(), sampler.sample(5, 43).tokens()), "another seed differs");
            for (int q = 0; q < a.count(); q++) {
                double[] w = a.transition(q);
                // W is orthogonal: WᵀW = I
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 4; j++) {
                        double v = 0;
                        for (int k = 0; k < 4; k++) {
                            v += w[k * 4 + i] * w[k * 4 + j];
                        }
                        assertEquals(i == j ? 1 : 0, v, EXACT, c + ": WᵀW");
                    }
                }
                for (int t = 1; t <= a.length(); t++) {
                    for (int i = 0; i < 4; i++) {
                        double v = 0;
                        for (int j = 0; j < 4; j++) {
                            v += w[i * 4 + j] * a.at(q, t, j);
                        }
                        assertEquals(v, a.at(q, t + 1, i), EXACT, c + ": x_{t+1} = W x_t");
                    }
                }
            }
            // the next-token arrays are the inputs shifted by one
            double[][][] next = a.nextTokenArrays();
            assertArrayEquals(a.token(2, 4), next[2][2], 0.0);
        }
    }

    @Test
    void rotationBlocksAreBlockDiagonal() {
        SequenceSet s = new SequenceSampler(SequenceTaskConfig.isotropic(4, 3, TransitionClass.ROTATION_BLOCKS))
                .sample(3, 7);
        double[] w = s.transition(1);
        assertEquals(0.0, w[2], 0.0);
        assertEquals(0.0, w[3 * 4 + 1], 0.0);
        assertEquals(w[0], w[5], EXACT, "cos θ twice in a block");
        assertEquals(-w[1], w[4], EXACT, "sin θ with opposite signs");
    }

    @Test
    void initialTokenScalesAreRespected() {
        SequenceSet s = new SequenceSampler(new SequenceTaskConfig(2, 3, TransitionClass.ORTHOGONAL,
                new double[] {0.5, 2.0}, 0)).sample(20_000, 1);
        double v0 = 0;
        double v1 = 0;
        for (int q = 0; q < s.count(); q++) {
            v0 += s.at(q, 1, 0) * s.at(q, 1, 0) / s.count();
            v1 += s.at(q, 1, 1) * s.at(q, 1, 1) / s.count();
        }
        assertEquals(0.25, v0, 0.02, "Var x_11 = s_1²");
        assertEquals(4.0, v1, 0.3, "Var x_12 = s_2²");
    }
}
