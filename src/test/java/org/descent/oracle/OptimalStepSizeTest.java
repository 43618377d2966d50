package org.descent.oracle;

import static org.descent.TestSupport.assertNear;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.descent.compare.PredictionMetrics;
import org.descent.probe.PromptSource;
import org.descent.probe.ReferenceAlgorithms;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** η* in closed form (README, Closed forms) against the published values and the numerical line search. */
class OptimalStepSizeTest {
    /** The closed-form values are exact rationals. */
    static final double EXACT = 1e-12;
    /** The line search is a Monte-Carlo estimate: accept 4 standard errors. */
    static final double SIGMAS = 4.0;

    @Test
    void closedFormMatchesPublishedValues() {
        TaskConfig uniform = TaskConfig.defaults();
        assertNear(OptimalStepSize.closedForm(uniform), 3.0 * 10 / (10 + 10 - 0.2), EXACT, "η* U(-1,1) d=N=10");
        assertNear(OptimalStepSize.closedForm(uniform), 1.51515, 1e-5, "η* rounded");
        assertNear(OptimalStepSize.closedFormMse(uniform), 1.6498, 1e-4, "GD* loss U(-1,1)");
        TaskConfig gauss = new TaskConfig(5, 20, "gaussian", 1.0, 0.0);
        assertNear(OptimalStepSize.closedForm(gauss), 20.0 / (20 + 5 + 1), EXACT, "η* N(0,I) = N/(N+d+1)");
    }

    /**
     * Defect 7: the weight prior enters η* as σ²/ω. U(−1, 1) inputs, inverse-covariance prior (w ~ N(0, 3I)), σ = 0.5,
     * d = N = 10: η* = 10 / (6.6 + 0.25/3) = 1.49626 (the formula without ω gave 1.4599; the line search finds
     * 1.4964 ± 0.004). The closed-form loss matches a Monte-Carlo estimate at η* and away from it.
     */
    @Test
    void weightPriorEntersTheClosedForm() {
        TaskConfig task = TaskConfig.defaults().withNoise(0.5).withWeightPrior(TaskConfig.PRIOR_INVERSE_COVARIANCE);
        assertTrue(OptimalStepSize.closedFormApplies(task));
        assertNear(OptimalStepSize.weightVariance(task), 3.0, EXACT, "ω = 1/s");
        double eta = OptimalStepSize.closedForm(task);
        assertNear(eta, 10.0 / ((10 + 1.8 + 10 - 2) / 3.0 + 0.25 / 3), EXACT, "η* = N / (s (N + κ + d − 2) + σ²/ω)");
        assertNear(eta, 1.49626, 1e-5, "η* rounded");
        assertNear(OptimalStepSize.closedFormMse(task), 10 * (1 - eta / 3) + 0.25, EXACT, "L* = s ω d (1 − η* s) + σ²");
        assertNear(OptimalStepSize.closedFormMse(task, eta), OptimalStepSize.closedFormMse(task), 1e-12, "L(η*)");
        // the closed form is Γ* = η* I of the general preconditioner theory (which carries Ω = Σ⁻¹)
        DMatrixRMaj gamma = PreconditionerTheory.optimal(task);
        for (int i = 0; i < task.d(); i++) {
            for (int j = 0; j < task.d(); j++) {
                assertNear(gamma.get(i, j), i == j ? eta : 0, 1e-12, "Γ*[" + i + "," + j + "]");
            }
        }
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            PromptSet prompts = TaskSamplers.forTask(task).samplePromptSet(manager, 100_000, 17);
            OptimalStepSize.Estimate est = OptimalStepSize.lineSearch(prompts);
            assertNear(est.eta(), eta, SIGMAS * est.standardError(), "line search vs closed form");
            double[] y = prompts.targets();
            for (double e : new double[] {eta, 0.5 * eta}) {
                double[] se = PredictionMetrics.squaredErrors(GradientDescentOracle.oneStep(e).predict(prompts), y);
                double mean = 0;
                for (double v : se) {
                    mean += v;
                }
                mean /= se.length;
                double var = 0;
                for (double v : se) {
                    var += (v - mean) * (v - mean);
                }
                double stderr = Math.sqrt(var / (se.length - 1) / se.length);
                assertNear(mean, OptimalStepSize.closedFormMse(task, e), SIGMAS * stderr, "MSE at η = " + e);
            }
        }
        // one decision everywhere: the probes' reference η* uses the same closed form for this task
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            ReferenceAlgorithms refs = new ReferenceAlgorithms(new PromptSource(task, manager, 0, 10), 200, null);
            assertTrue(refs.closedFormsApply());
            assertEquals(eta, refs.etaStar().eta(), 0.0, "ReferenceAlgorithms.etaStar()");
            assertEquals(ReferenceAlgorithms.CLOSED_FORM, refs.etaStar().method());
            TaskConfig tanh = TaskConfig.defaults().withResponse(TaskConfig.RESPONSE_TANH);
            ReferenceAlgorithms other = new ReferenceAlgorithms(new PromptSource(tanh, manager, 0, 10), 2000, null);
            assertFalse(other.closedFormsApply());
            assertEquals(ReferenceAlgorithms.MONTE_CARLO, other.etaStar().method());
        }
        assertEquals(OptimalStepSize.CLOSED_FORM, OptimalStepSize.choose(task, () -> {
            throw new AssertionError("no line search for a closed-form task");
        }).method());
        TaskConfig sparse = TaskConfig.defaults().withFamily(TaskConfig.FAMILY_SPARSE_LINEAR, 3);
        assertFalse(OptimalStepSize.closedFormApplies(sparse), "other priors fall back to the line search");
        assertFalse(OptimalStepSize.closedFormApplies(TaskConfig.defaults().withResponse(TaskConfig.RESPONSE_TANH)));
    }

    @Test
    void lineSearchAgreesWithClosedForm() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            for (TaskConfig task : new TaskConfig[] {TaskConfig.defaults(), new TaskConfig(4, 8, "gaussian", 1.0, 0.5)}) {
                PromptSet prompts = TaskSamplers.forTask(task).samplePromptSet(manager, 100_000, 99);
                OptimalStepSize.Estimate est = OptimalStepSize.lineSearch(prompts);
                double closed = OptimalStepSize.closedForm(task);
                assertTrue(est.standardError() > 0 && est.standardError() < 0.02 * closed,
                        "standard error " + est.standardError());
                assertNear(est.eta(), closed, SIGMAS * est.standardError(), "line search vs closed form " + task);
                double mseAt = PredictionMetrics.mse(GradientDescentOracle.oneStep(est.eta()).predict(prompts),
                        prompts.targets());
                assertNear(est.mse(), mseAt, 1e-9, "reported MSE at the minimiser");
            }
        }
    }
}
