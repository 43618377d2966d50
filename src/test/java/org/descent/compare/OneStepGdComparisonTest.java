package org.descent.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.descent.oracle.MultiStepGdConstruction;
import org.descent.oracle.OneStepGdConstruction;
import org.descent.oracle.OptimalStepSize;
import org.descent.oracle.StepSizeFitter;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.junit.jupiter.api.Test;

/**
 * Defect 6: "trained MSE within 1% of GD(η*)" is an equivalence, tested two-sided on a prompt interval. A 3-layer
 * model that is much better than one GD step (here the exact 3-step GD construction with fitted step sizes) used to
 * pass it, because the check was "gap ≤ 1%".
 */
class OneStepGdComparisonTest {

    @Test
    void muchBetterThanOneStepIsNotOneStep() {
        TaskConfig task = TaskConfig.defaults();
        double eta = OptimalStepSize.closedForm(task);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet fit = TaskSamplers.forTask(task).samplePromptSet(m, 4000, 1);
            PromptSet test = TaskSamplers.forTask(task).samplePromptSet(m, 1000, 2);
            StepSizeFitter.Fit three = StepSizeFitter.gd(fit, 3);
            OneStepGdComparison.Result r = OneStepGdComparison.compare(MultiStepGdConstruction.weights(task.d(),
                    three.etas()), test, eta, OneStepGdComparison.Thresholds.defaults(), m);
            OneStepGdComparison.Check gap = r.checks().get(0);
            assertTrue(gap.value() < -0.1, "3 GD steps beat one clearly: " + gap);
            assertTrue(gap.requirement().contains("two-sided"), gap.requirement());
            assertEquals(OneStepGdComparison.Outcome.FAIL, gap.outcome(), gap.toString());
            assertEquals("inconsistent", r.verdict());

            OneStepGdComparison.Result same = OneStepGdComparison.compare(OneStepGdConstruction.weights(task.d(), eta),
                    test, eta, OneStepGdComparison.Thresholds.defaults(), m);
            for (OneStepGdComparison.Check c : same.checks()) {
                assertEquals(OneStepGdComparison.Outcome.PASS, c.outcome(), c.toString());
                assertTrue(c.lower() <= c.value() && c.value() <= c.upper(), c.toString());
            }
            assertEquals("consistent", same.verdict());
            assertTrue(((String) same.metrics().get("verdict_scope")).contains("1 trained model"));
        }
    }
}
