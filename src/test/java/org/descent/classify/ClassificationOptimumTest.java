package org.descent.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.descent.model.LsaRegressor;
import org.descent.task.CovarianceSpec;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The classification objective, its exact optimum and gradient descent on it: the gradient matches finite
 * differences, the optimum is stationary and every perturbation raises the loss, GD converges to it geometrically, and
 * descent's LSA built from W computes the oracle's logits.
 */
class ClassificationOptimumTest {
    /** ‖∇L(W*)‖₂ at the Newton optimum. */
    private static final double OPTIMUM_GRADIENT_TOL = 1e-12;
    /** Relative error of the analytic gradient against central differences. */
    private static final double FINITE_DIFFERENCE_TOL = 1e-6;
    /** Double-precision agreement of the LSA (DJL float64) with the oracle. */
    private static final double CONSTRUCTION_TOL = 1e-10;
    private static NDManager manager;
    private static TaskConfig task;
    private static PromptSet train;
    private static InContextClassificationLoss loss;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        task = TaskConfig.gaussian(3, 10, CovarianceSpec.ofEigenvalues(new double[] {0.5, 1, 2}, 5L), 0)
                .withFamily(TaskConfig.FAMILY_GAUSSIAN_MIXTURE, null).withClassSeparation(1.0);
        train = TaskSamplers.forTask(task).samplePromptSet(manager, 1500, 3);
        loss = InContextClassificationLoss.of(train);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @Test
    void gradientMatchesCentralDifferences() {
        Random rnd = new Random(1);
        double[] theta = new double[loss.parameters()];
        for (int k = 0; k < theta.length; k++) {
            theta[k] = rnd.nextGaussian();
        }
        double[] g = loss.gradient(theta);
        double h = 1e-5;
        for (int k = 0; k < theta.length; k++) {
            double[] a = theta.clone();
            double[] b = theta.clone();
            a[k] += h;
            b[k] -= h;
            double fd = (loss.value(a) - loss.value(b)) / (2 * h);
            assertEquals(fd, g[k], FINITE_DIFFERENCE_TOL * Math.max(1, Math.abs(fd)), "∂L/∂θ_" + k);
        }
    }

    @Test
    void theOptimumIsStationaryAndEveryPerturbationRaisesTheLoss() {
        ClassificationOptimum opt = ClassificationOptimum.of(loss);
        assertTrue(opt.gradientNorm() <= OPTIMUM_GRADIENT_TOL, "‖∇L(W*)‖ = " + opt.gradientNorm());
        assertEquals(opt.loss(), loss.value(opt.theta()), 0.0);
        assertTrue(opt.hessianEigenvalues()[0] > 0, "strictly convex at W*");
        Random rnd = new Random(2);
        double[] star = opt.theta();
        for (double size : new double[] {1e-3, 1e-2, 1e-1, 1.0}) {
            for (int trial = 0; trial < 20; trial++) {
                double[] dir = new double[star.length];
                double n = 0;
                for (int k = 0; k < dir.length; k++) {
                    dir[k] = rnd.nextGaussian();
                    n += dir[k] * dir[k];
                }
                double[] p = star.clone();
                for (int k = 0; k < p.length; k++) {
                    p[k] += size * dir[k] / Math.sqrt(n);
                }
                double rise = loss.value(p) - opt.loss();
                // at least the quadratic model's rise with the smallest curvature, less a cubic margin
                double floor = 0.5 * opt.hessianEigenvalues()[0] * size * size * (size >= 0.1 ? 0.1 : 0.5);
                assertTrue(rise > floor, "size " + size + ": rise " + rise + " vs " + floor);
            }
        }
        // W* of this prior is close to c Λ⁻¹ (the population optimum) with c below 2 at N = 10
        double c = opt.scaleAgainst(GaussianMixtureBayes.lambdaInverse(task));
        assertTrue(c > 1.2 && c < 2.0, "c = " + c);
    }

    @Test
    void gradientDescentConvergesToTheOptimumAtALinearRate() {
        ClassificationOptimum opt = ClassificationOptimum.of(loss);
        double eta = 1.0 / loss.smoothness();
        FullBatchGradientDescent gd = FullBatchGradientDescent.run(loss, new double[loss.parameters()], eta, 1500,
                opt.theta());
        double[] gaps = new double[gd.losses().length];
        for (int t = 0; t < gaps.length; t++) {
            gaps[t] = gd.losses()[t] - opt.loss();
            if (t > 0 && gaps[t - 1] > 1e-13) { // above the rounding floor of a mean of 1500 losses
                assertTrue(gd.losses()[t] <= gd.losses()[t - 1] + 1e-15, "GD with η = 1/β descends at step " + t);
            }
        }
        int[] w = LinearRateFit.window(gaps, 1e-2, 1e-10);
        LinearRateFit f = LinearRateFit.fit(gaps, w[0], w[1]);
        assertTrue(f.isLinear(), f.toString());
        double predicted = 2 * Math.log(1 - eta * opt.hessianEigenvalues()[0]);
        assertEquals(predicted, f.slope(), 0.1 * Math.abs(predicted), "the rate of GD on the local quadratic");
        assertTrue(gd.distances()[gd.distances().length - 1] < 1e-5 * gd.distances()[0]);
    }

    /**
     * The natural fooling model: on a separable training set (well-separated classes, few prompts) the loss has no
     * minimiser, its infimum is 0, and GD's loss falls like 1/t, not geometrically. The optimum refuses, and the
     * linear-rate rule, fed the gap to the infimum, says "not linear".
     */
    @Test
    void aSeparableTrainingSetHasNoOptimumAndGdIsSublinear() {
        TaskConfig separable = new TaskConfig(2, 10, TaskConfig.GAUSSIAN, 1.0, 0, null, null,
                TaskConfig.FAMILY_GAUSSIAN_MIXTURE, null, null, null, null, 6.0);
        InContextClassificationLoss l = InContextClassificationLoss.of(
                TaskSamplers.forTask(separable).samplePromptSet(manager, 40, 1));
        String msg = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ClassificationOptimum.of(l)).getMessage();
        assertTrue(msg.contains("separable"), msg);
        FullBatchGradientDescent gd = FullBatchGradientDescent.run(l, new double[l.parameters()], 1 / l.smoothness(),
                5000, null);
        double[] gaps = gd.losses(); // L* = inf L = 0
        int[] w = LinearRateFit.window(gaps, 1e-2, 1e-10);
        LinearRateFit f = LinearRateFit.fit(gaps, w[0], w[1]);
        assertTrue(f.upper() < 0, "the loss falls: " + f);
        assertTrue(f.r2LogStep() > f.r2(), "a power law fits better: " + f);
        assertTrue(f.slopeRatio() < LinearRateFit.MIN_SLOPE_RATIO, "the rate decays: " + f);
        org.junit.jupiter.api.Assertions.assertFalse(f.isLinear(), f.toString());
    }

    @Test
    void descentsLsaBuiltFromWComputesTheOraclesLogits() {
        Random rnd = new Random(4);
        DMatrixRMaj w = new DMatrixRMaj(3, 3);
        for (int k = 0; k < 9; k++) {
            w.data[k] = rnd.nextGaussian();
        }
        PromptSet test = train.head(200);
        double[] oracle = InContextClassificationLoss.logits(w, test);
        double[] lsa = new LsaRegressor("lsa", LinearAttentionClassifier.weights(w), manager).predict(test);
        double scale = 0;
        for (double v : oracle) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int b = 0; b < oracle.length; b++) {
            assertEquals(oracle[b], lsa[b], CONSTRUCTION_TOL * scale, "prompt " + b);
        }
        // the loss is the mean cross-entropy of these logits
        double[] ce = GaussianMixtureBayes.crossEntropy(InContextClassificationLoss.logits(w, train), train);
        double mean = 0;
        for (double v : ce) {
            mean += v / ce.length;
        }
        assertEquals(mean, loss.value(InContextClassificationLoss.vec(w)), 1e-12);
    }
}
