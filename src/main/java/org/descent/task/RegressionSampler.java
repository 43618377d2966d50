package org.descent.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Template for samplers of the form "draw inputs, draw a task function per prompt, label, add noise, lay out
 * tokens". Subclasses supply the task function; the input distributions and the token layout live here only.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code T = N + 1} examples per prompt (the last is the query),
 * {@code d} input dimension.
 *
 * <p>Every draw comes from the engine's random generator, re-seeded from the batch seed, in a fixed order (inputs,
 * task function, noise), so a batch is a pure function of (task, batch size, seed) on a given device.
 */
public abstract class RegressionSampler implements TaskSampler {
    protected final TaskConfig task;
    private final float[] inputFactorT; // Lᵀ of Σ = L Lᵀ, [d, d] row-major; null for isotropic inputs

    protected RegressionSampler(TaskConfig task) {
        this.task = task;
        this.inputFactorT = task.hasIsotropicInputs() ? null : transposedFloats(task.inputCovarianceFactor());
    }

    @Override
    public TaskConfig task() {
        return task;
    }

    /**
     * Inputs x of shape {@code [B, T, d]}, float32: U(−a, a)^d, N(0, a² I), or {@code x = L z} with
     * {@code z ~ N(0, I)} and {@code Σ = L Lᵀ} the Cholesky factorisation of the task's covariance.
     */
    protected NDArray sampleInputs(NDManager manager, int batchSize) {
        Shape shape = new Shape(batchSize, task.tokens(), task.d());
        if (inputFactorT != null) {
            NDArray z = manager.randomNormal(0f, 1f, shape, DataType.FLOAT32); // [B, T, d]
            return z.matMul(manager.create(inputFactorT, new Shape(task.d(), task.d()))); // rows z Lᵀ = (L z)ᵀ
        }
        float a = (float) task.inputScale();
        return task.inputs().equals(TaskConfig.GAUSSIAN)
                ? manager.randomNormal(0f, a, shape, DataType.FLOAT32)
                : manager.randomUniform(-a, a, shape, DataType.FLOAT32);
    }

    /** {@code mᵀ} as row-major floats. */
    static float[] transposedFloats(org.ejml.data.DMatrixRMaj m) {
        float[] out = new float[m.numRows * m.numCols];
        for (int i = 0; i < m.numRows; i++) {
            for (int j = 0; j < m.numCols; j++) {
                out[j * m.numRows + i] = (float) m.get(i, j);
            }
        }
        return out;
    }

    /** Requires the sampler's task to be of {@code family}; for subclass constructors. */
    static TaskConfig requireFamily(TaskConfig task, String family, String sampler) {
        if (!task.family().equals(family)) {
            throw new IllegalArgumentException(sampler + " samples family \"" + family + "\", but the task has family \""
                    + task.family() + "\"; use TaskSamplers.forTask");
        }
        return task;
    }

    /** Noise-free labels of shape {@code [B, T]} for inputs {@code x [B, T, d]} under a freshly drawn task per prompt. */
    protected abstract NDArray sampleResponses(NDManager manager, NDArray x);

    @Override
    public final PromptBatch sample(NDManager manager, int batchSize, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        int t = task.tokens();
        return EngineRandom.draw(manager, seed, () -> {
            NDArray x = sampleInputs(manager, batchSize); // [B, T, d]
            NDArray y = sampleResponses(manager, x); // [B, T]
            if (task.noise() > 0) {
                y = y.add(manager.randomNormal(0f, (float) task.noise(), new Shape(batchSize, t), DataType.FLOAT32));
            }
            return layOut(manager, x, y);
        });
    }

    /**
     * The standard token layout, for every sampler: tokens {@code [x_i, y_i]} with the query's label slot zeroed, the
     * query's label as target.
     *
     * @param x inputs {@code [B, T, d]}
     * @param y labels {@code [B, T]} (the last is the query's)
     * @return tokens {@code [B, T, D]} and targets {@code [B]}
     */
    static PromptBatch layOut(NDManager manager, NDArray x, NDArray y) {
        int t = (int) y.getShape().get(1);
        NDArray targets = y.get(new NDIndex(":, -1")); // [B]
        // zero the query's label slot: mask [T] = (1, ..., 1, 0)
        float[] mask = new float[t];
        java.util.Arrays.fill(mask, 0, t - 1, 1f);
        NDArray ySlots = y.mul(manager.create(mask)).expandDims(2); // [B, T, 1]
        NDArray tokens = NDArrays.concat(new ai.djl.ndarray.NDList(x, ySlots), 2); // [B, T, D]
        return new PromptBatch(tokens, targets);
    }
}
