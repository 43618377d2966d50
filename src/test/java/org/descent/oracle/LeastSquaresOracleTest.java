package org.descent.oracle;

import static org.descent.TestSupport.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.descent.compare.PredictionMetrics;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.junit.jupiter.api.Test;

/** OLS is exact without noise when N ≥ d; ridge with λ = σ² beats OLS under noise (README, Closed forms). */
class LeastSquaresOracleTest {
    /** Targets are float32-rounded labels of a float32 linear map: OLS recovers them to ~1e-5. */
    static final double NOISELESS_TOL = 1e-4;

    @Test
    void olsIsExactWithoutNoise() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet p = TaskSamplers.forTask(new TaskConfig(5, 12, "uniform", 1.0, 0)).samplePromptSet(m, 500, 3);
            assertClose(LeastSquaresOracle.ols().predict(p), p.targets(), NOISELESS_TOL, "OLS vs targets");
        }
    }

    @Test
    void ridgeWithNoiseVarianceBeatsOls() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet p = TaskSamplers.forTask(new TaskConfig(8, 10, "gaussian", 1.0, 1.0)).samplePromptSet(m, 4000, 4);
            double ols = PredictionMetrics.mse(LeastSquaresOracle.ols().predict(p), p.targets());
            double ridge = PredictionMetrics.mse(LeastSquaresOracle.ridge(1.0).predict(p), p.targets());
            assertTrue(ridge < ols, "ridge " + ridge + " should beat OLS " + ols);
        }
    }
}
