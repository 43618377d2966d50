package org.descent.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.HashSet;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The samplers draw what their task says: moments, supports, bounds, and reproducibility. */
class TaskSamplersTest {
    /** Allowed deviation of an empirical second moment, in standard errors. */
    private static final double STANDARD_ERRORS = 5.0;
    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @Test
    void forTaskPicksTheSamplerOfTheFamily() {
        TaskConfig t = TaskConfig.defaults();
        assertInstanceOf(LinearRegressionSampler.class, TaskSamplers.forTask(t));
        assertInstanceOf(SparseLinearRegressionSampler.class,
                TaskSamplers.forTask(t.withFamily(TaskConfig.FAMILY_SPARSE_LINEAR, 2)));
        assertInstanceOf(ReluNetworkSampler.class, TaskSamplers.forTask(t.withFamily(TaskConfig.FAMILY_RELU_NETWORK, 8)));
        assertInstanceOf(DecisionTreeSampler.class,
                TaskSamplers.forTask(t.withFamily(TaskConfig.FAMILY_DECISION_TREE, 2)));
        String msg = assertThrows(IllegalArgumentException.class,
                () -> new LinearRegressionSampler(t.withFamily(TaskConfig.FAMILY_RELU_NETWORK, 8))).getMessage();
        assertTrue(msg.contains("TaskSamplers.forTask"), msg);
    }

    @Test
    void samplingIsAPureFunctionOfTaskBatchAndSeed() {
        TaskConfig t = TaskConfig.gaussian(3, 4, CovarianceSpec.ofEigenvalues(new double[] {0.5, 1, 2}, 8L), 0.1)
                .withFamily(TaskConfig.FAMILY_SPARSE_LINEAR, 2);
        TaskSampler s = TaskSamplers.forTask(t);
        PromptSet a = s.samplePromptSet(manager, 50, 5);
        PromptSet b = TaskSamplers.forTask(t).samplePromptSet(manager, 50, 5);
        PromptSet c = s.samplePromptSet(manager, 50, 6);
        assertArrayEquals(a.flatTokens(), b.flatTokens(), 0.0, "same seed, same prompts");
        assertArrayEquals(a.targets(), b.targets(), 0.0);
        assertFalse(java.util.Arrays.equals(a.flatTokens(), c.flatTokens()), "another seed, other prompts");
    }

    @Test
    void gaussianInputsHaveTheGivenCovariance() {
        double[] eig = {0.25, 0.5, 1.0, 2.0};
        TaskConfig t = TaskConfig.gaussian(4, 9, CovarianceSpec.ofEigenvalues(eig, 3L), 0);
        PromptSet p = TaskSamplers.forTask(t).samplePromptSet(manager, 20_000, 11);
        DMatrixRMaj sigma = t.inputCovariance();
        int d = 4;
        double[] sum = new double[d * d];
        int count = 0;
        for (int b = 0; b < p.size(); b++) {
            for (int i = 0; i <= p.n(); i++) {
                for (int j = 0; j < d; j++) {
                    for (int k = 0; k < d; k++) {
                        double xj = i < p.n() ? p.x(b, i, j) : p.xq(b, j);
                        double xk = i < p.n() ? p.x(b, i, k) : p.xq(b, k);
                        sum[j * d + k] += xj * xk;
                    }
                }
                count++;
            }
        }
        double worst = 0;
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < d; k++) {
                double empirical = sum[j * d + k] / count;
                // Var(x_j x_k) = Σ_jj Σ_kk + Σ_jk² for Gaussians
                double se = Math.sqrt((sigma.get(j, j) * sigma.get(k, k) + sigma.get(j, k) * sigma.get(j, k)) / count);
                worst = Math.max(worst, Math.abs(empirical - sigma.get(j, k)) / se);
            }
        }
        assertTrue(worst < STANDARD_ERRORS, "empirical covariance vs Σ: worst entry " + worst + " standard errors");
    }

    @Test
    void inverseCovariancePriorHasCovarianceSigmaInverse() {
        TaskConfig t = TaskConfig.gaussian(3, 4, CovarianceSpec.ofMatrix(new double[][] {{2, 0.6, 0}, {0.6, 1, 0.2},
                {0, 0.2, 0.5}}), 0).withWeightPrior(TaskConfig.PRIOR_INVERSE_COVARIANCE);
        LinearRegressionSampler s = new LinearRegressionSampler(t);
        manager.getEngine().setRandomSeed(17);
        int count = 40_000;
        float[] w = s.sampleWeights(manager, count).toFloatArray(); // [count, 3]
        DMatrixRMaj omega = t.weightCovariance();
        double worst = 0;
        for (int j = 0; j < 3; j++) {
            for (int k = 0; k < 3; k++) {
                double sum = 0;
                for (int b = 0; b < count; b++) {
                    sum += (double) w[b * 3 + j] * w[b * 3 + k];
                }
                double se = Math.sqrt((omega.get(j, j) * omega.get(k, k) + omega.get(j, k) * omega.get(j, k)) / count);
                worst = Math.max(worst, Math.abs(sum / count - omega.get(j, k)) / se);
            }
        }
        assertTrue(worst < STANDARD_ERRORS, "empirical E[w wᵀ] vs Σ⁻¹: worst entry " + worst + " standard errors");
    }

    @Test
    void sparseWeightsHaveExactlyKNonZeros() {
        TaskConfig t = TaskConfig.defaults().withD(8).withFamily(TaskConfig.FAMILY_SPARSE_LINEAR, 3);
        SparseLinearRegressionSampler s = new SparseLinearRegressionSampler(t);
        manager.getEngine().setRandomSeed(3);
        float[] w = s.sampleWeights(manager, 500).toFloatArray(); // [500, 8]
        int[] hits = new int[8];
        for (int b = 0; b < 500; b++) {
            int nonZero = 0;
            for (int k = 0; k < 8; k++) {
                if (w[b * 8 + k] != 0f) {
                    nonZero++;
                    hits[k]++;
                }
            }
            assertEquals(3, nonZero, "prompt " + b + " has " + nonZero + " non-zero weights");
        }
        for (int k = 0; k < 8; k++) {
            assertTrue(hits[k] > 100 && hits[k] < 280, "coordinate " + k + " is in the support " + hits[k]
                    + " of 500 times; expected about 187");
        }
    }

    @Test
    void tanhAndReluResponsesAreBoundedAsTheirFunctions() {
        TaskConfig tanh = new TaskConfig(5, 10, "gaussian", 2.0, 0).withResponse(TaskConfig.RESPONSE_TANH);
        PromptSet p = TaskSamplers.forTask(tanh).samplePromptSet(manager, 2000, 4);
        double maxAbs = 0;
        for (int b = 0; b < p.size(); b++) {
            maxAbs = Math.max(maxAbs, Math.abs(p.target(b)));
            for (int i = 0; i < p.n(); i++) {
                maxAbs = Math.max(maxAbs, Math.abs(p.y(b, i)));
            }
        }
        assertTrue(maxAbs <= 1.0, "tanh labels must lie in [-1, 1], max |y| = " + maxAbs);
        assertTrue(maxAbs > 0.99, "tanh labels should saturate sometimes, max |y| = " + maxAbs);
        TaskConfig relu = tanh.withResponse(TaskConfig.RESPONSE_RELU);
        PromptSet r = TaskSamplers.forTask(relu).samplePromptSet(manager, 500, 4);
        int zeros = 0;
        for (int b = 0; b < r.size(); b++) {
            assertTrue(r.target(b) >= 0, "ReLU label " + r.target(b) + " is negative");
            zeros += r.target(b) == 0 ? 1 : 0;
        }
        assertTrue(zeros > 150 && zeros < 350, "about half the ReLU labels are 0, got " + zeros + " of 500");
    }

    @Test
    void reluNetworkLabelsHaveVarianceD() {
        int d = 6;
        TaskConfig t = new TaskConfig(d, 10, "gaussian", 1.0, 0).withFamily(TaskConfig.FAMILY_RELU_NETWORK, 50);
        PromptSet p = TaskSamplers.forTask(t).samplePromptSet(manager, 20_000, 9);
        double sum = 0;
        for (int b = 0; b < p.size(); b++) {
            sum += p.target(b) * p.target(b);
        }
        double meanSq = sum / p.size();
        // Garg's √(2/r) scaling: E[f(x)²] = (2/r) · r · E[ReLU(u·x)²] = E‖x‖² = d
        assertEquals(d, meanSq, 0.35, "E[y²] of a 2-layer ReLU network");
    }

    @Test
    void decisionTreeLabelsAreLeafValuesChosenBySignTests() {
        TaskConfig t = new TaskConfig(4, 40, "gaussian", 1.0, 0).withFamily(TaskConfig.FAMILY_DECISION_TREE, 2);
        PromptSet p = TaskSamplers.forTask(t).samplePromptSet(manager, 300, 12);
        for (int b = 0; b < p.size(); b++) {
            Set<Double> values = new HashSet<>();
            for (int i = 0; i < p.n(); i++) {
                values.add(p.y(b, i));
            }
            values.add(p.target(b));
            assertTrue(values.size() <= 4, "prompt " + b + ": a depth-2 tree has at most 4 leaf values, got "
                    + values.size());
            // the labels depend on x only through signs: flipping no sign keeps the label
            for (int i = 0; i < p.n(); i++) {
                for (int j = i + 1; j < p.n(); j++) {
                    boolean sameSigns = true;
                    for (int k = 0; k < 4; k++) {
                        sameSigns &= (p.x(b, i, k) > 0) == (p.x(b, j, k) > 0);
                    }
                    if (sameSigns) {
                        assertEquals(p.y(b, i), p.y(b, j), 0.0, "same sign pattern, same leaf");
                    }
                }
            }
        }
    }

    @Test
    void defaultTaskStillSamplesUniformInputs() {
        PromptSet p = TaskSamplers.forTask(TaskConfig.defaults()).samplePromptSet(manager, 200, 1);
        for (int b = 0; b < p.size(); b++) {
            for (int k = 0; k < 10; k++) {
                assertTrue(Math.abs(p.xq(b, k)) <= 1.0, "uniform inputs lie in [-1, 1]");
            }
        }
        assertEquals(10, p.d());
        DMatrixRMaj sigma = TaskConfig.defaults().inputCovariance();
        assertEquals(1.0 / 3, sigma.get(4, 4), 1e-15);
        assertEquals(0.0, CommonOps_DDRM.elementSum(sigma) - 10.0 / 3, 1e-14);
    }
}
