package org.descent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.descent.model.LoopedPreconditionerLsa;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.oracle.SharedPreconditionerFit;
import org.descent.task.CovarianceSpec;
import org.descent.task.PromptBatch;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSampler;
import org.descent.task.TaskSamplers;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The restricted looped LSA (free blocks A and u): with u = 0 it is shared-Γ PGD with Γ = Aᵀ (construction == oracle
 * in double precision), autograd's gradient in A and u equals central finite differences (float64), the host
 * mapping reads A and u back, and training is deterministic and lowers the loss.
 */
class LoopedPreconditionerTrainerTest {
    static final TaskConfig TASK = TaskConfig.gaussian(3, 8, CovarianceSpec.ofEigenvalues(new double[] {0.5, 1, 2},
            3L), 0.0).withWeightPrior(TaskConfig.PRIOR_INVERSE_COVARIANCE);
    static final TaskSampler SAMPLER = TaskSamplers.forTask(TASK);
    static final int LOOPS = 3;
    /** float64 LSA vs float64 PGD oracle. */
    static final double ORACLE_TOL = 1e-10;
    /** Central differences with step 1e-6 in float64: truncation ~1e-12, rounding ~1e-10 relative. */
    static final double FD_STEP = 1e-6;
    static final double FD_TOL = 1e-6;

    static final double[] A = {0.4, 0.1, -0.05, 0.02, 0.3, 0.07, -0.1, 0.05, 0.5};
    static final double[] U = {0.2, -0.1, 0.3};

    @Test
    void withZeroUItIsSharedGammaPgdWithGammaATransposed() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet prompts = SAMPLER.samplePromptSet(m, 200, 9);
            DMatrixRMaj a = DMatrixRMaj.wrap(3, 3, A.clone());
            LsaWeights w = LoopedPreconditionerLsa.weights(a, new double[3], LOOPS);
            double[] model = new LsaRegressor("looped", w, m).predict(prompts);
            DMatrixRMaj gamma = LoopedPreconditionerLsa.gamma(w);
            assertEquals(a.get(0, 1), gamma.get(1, 0), 0.0, "Γ = Aᵀ");
            double[] pgd = SharedPreconditionerFit.oracle(gamma, LOOPS).predict(prompts);
            for (int i = 0; i < model.length; i++) {
                assertEquals(pgd[i], model[i], ORACLE_TOL * (1 + Math.abs(pgd[i])), "prompt " + i);
            }
            // u ≠ 0 is a different function
            LsaWeights withU = LoopedPreconditionerLsa.weights(a, U, LOOPS);
            double[] other = new LsaRegressor("looped u", withU, m).predict(prompts);
            double diff = 0;
            for (int i = 0; i < other.length; i++) {
                diff = Math.max(diff, Math.abs(other[i] - pgd[i]));
            }
            assertTrue(diff > 1e-3, "u enters the function: " + diff);
            assertArrayEquals(U, LoopedPreconditionerLsa.labelRowVector(withU), 0.0);
            assertArrayEquals(A, LoopedPreconditionerLsa.preconditionerBlock(withU).getData(), 0.0);
        }
    }

    private static double loss(NDManager m, PromptBatch batch, double[] a, double[] u) {
        try (NDManager s = m.newSubManager()) {
            NDArray aa = s.create(a, new Shape(3, 3));
            NDArray uu = s.create(u, new Shape(3));
            NDArray tokens = batch.tokens().toType(DataType.FLOAT64, true);
            tokens.attach(s);
            NDArray y = batch.targets().toType(DataType.FLOAT64, true);
            y.attach(s);
            return LoopedPreconditionerLsa.predict(tokens, aa, uu, LOOPS).sub(y).square().mean().getDouble();
        }
    }

    @Test
    void gradientInTheFreeBlocksEqualsFiniteDifferences() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptBatch batch = SAMPLER.sample(m, 64, 11);
            double[] ga;
            double[] gu;
            try (NDManager s = m.newSubManager()) {
                NDArray aa = s.create(A.clone(), new Shape(3, 3));
                NDArray uu = s.create(U.clone(), new Shape(3));
                aa.setRequiresGradient(true);
                uu.setRequiresGradient(true);
                NDArray tokens = batch.tokens().toType(DataType.FLOAT64, true);
                NDArray y = batch.targets().toType(DataType.FLOAT64, true);
                try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                    NDArray l = LoopedPreconditionerLsa.predict(tokens, aa, uu, LOOPS).sub(y).square().mean();
                    gc.backward(l);
                }
                ga = aa.getGradient().toDoubleArray();
                gu = uu.getGradient().toDoubleArray();
            }
            double scale = 0;
            for (double g : ga) {
                scale = Math.max(scale, Math.abs(g));
            }
            for (int i = 0; i < A.length + U.length; i++) {
                double[] ap = A.clone();
                double[] am = A.clone();
                double[] up = U.clone();
                double[] um = U.clone();
                if (i < A.length) {
                    ap[i] += FD_STEP;
                    am[i] -= FD_STEP;
                } else {
                    up[i - A.length] += FD_STEP;
                    um[i - A.length] -= FD_STEP;
                }
                double fd = (loss(m, batch, ap, up) - loss(m, batch, am, um)) / (2 * FD_STEP);
                double auto = i < A.length ? ga[i] : gu[i - A.length];
                assertEquals(fd, auto, FD_TOL * Math.max(1, scale), "parameter " + i);
            }
            assertTrue(scale > 1e-3, "a gradient that is not trivially zero: " + scale);
        }
    }

    static TrainConfig config(int steps) {
        return new TrainConfig(steps, 256, 1e-2, 0.9, 0.999, 1e-8, 10.0, TrainConfig.COSINE, 0, 0.0, 5L, 0);
    }

    private static TrainingState train(int steps) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            double[][] init = LoopedPreconditionerTrainer.gaussianInit(3, 0.1, 21);
            LoopedPreconditionerTrainer t = LoopedPreconditionerTrainer.start(m, DMatrixRMaj.wrap(3, 3, init[0]),
                    init[1], LOOPS, SAMPLER, config(steps));
            t.run((s, l, lr) -> { }, (state, status) -> "nowhere");
            return t.snapshot();
        }
    }

    @Test
    void trainingIsDeterministicAndLowersTheLoss() {
        TrainingState a = train(150);
        TrainingState b = train(150);
        assertArrayEquals(a.losses(), b.losses(), "same config and seed, same losses");
        assertArrayEquals(LoopedPreconditionerLsa.preconditionerBlock(a.weights()).getData(),
                LoopedPreconditionerLsa.preconditionerBlock(b.weights()).getData(), 0.0);
        float[] l = a.losses();
        double first = 0;
        double last = 0;
        for (int i = 0; i < 10; i++) {
            first += l[i];
            last += l[l.length - 1 - i];
        }
        assertTrue(last < 0.5 * first, "loss falls: " + first / 10 + " -> " + last / 10);
        assertEquals(2, a.adamMeans().length, "Adam state for A and u");
        assertEquals(9, a.adamMeans()[0].length);
    }
}
