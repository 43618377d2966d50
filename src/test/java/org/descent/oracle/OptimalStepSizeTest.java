package org.descent.oracle;

import static org.descent.TestSupport.assertNear;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.descent.compare.PredictionMetrics;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.junit.jupiter.api.Test;

/** η* in closed form (DESIGN §3) against the published values and the numerical line search. */
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
