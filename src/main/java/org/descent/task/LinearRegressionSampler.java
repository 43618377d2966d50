package org.descent.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Noisy linear regression: x ~ U(-a, a)^d or N(0, a² I), w ~ N(0, I_d) per prompt, y = w·x + σ ε.
 * The setting of von Oswald et al. 2023 and Garg et al. 2022.
 */
public final class LinearRegressionSampler extends RegressionSampler {

    public LinearRegressionSampler(TaskConfig task) {
        super(task);
    }

    @Override
    protected NDArray sampleInputs(NDManager manager, int batchSize) {
        Shape shape = new Shape(batchSize, task.tokens(), task.d());
        float a = (float) task.inputScale();
        return task.inputs().equals(TaskConfig.GAUSSIAN)
                ? manager.randomNormal(0f, a, shape, DataType.FLOAT32)
                : manager.randomUniform(-a, a, shape, DataType.FLOAT32);
    }

    @Override
    protected NDArray sampleResponses(NDManager manager, NDArray x) {
        long b = x.getShape().get(0);
        NDArray w = manager.randomNormal(0f, 1f, new Shape(b, task.d(), 1), DataType.FLOAT32); // [B, d, 1]
        return x.batchMatMul(w).squeeze(2); // [B, T]
    }
}
