package org.descent.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Template for samplers of the form "draw inputs, draw a task function per prompt, label, add noise, lay out
 * tokens". Subclasses supply the two draws; the token layout lives here only.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code T = N + 1} examples per prompt (the last is the query),
 * {@code d} input dimension.
 */
public abstract class RegressionSampler implements TaskSampler {
    protected final TaskConfig task;

    protected RegressionSampler(TaskConfig task) {
        this.task = task;
    }

    @Override
    public TaskConfig task() {
        return task;
    }

    /** Inputs x of shape {@code [B, T, d]}, float32. */
    protected abstract NDArray sampleInputs(NDManager manager, int batchSize);

    /** Noise-free labels of shape {@code [B, T]} for inputs {@code x [B, T, d]} under a freshly drawn task per prompt. */
    protected abstract NDArray sampleResponses(NDManager manager, NDArray x);

    @Override
    public final PromptBatch sample(NDManager manager, int batchSize, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        manager.getEngine().setRandomSeed((int) (seed ^ (seed >>> 32)) & 0x7fffffff);
        int t = task.tokens();
        NDArray x = sampleInputs(manager, batchSize); // [B, T, d]
        NDArray y = sampleResponses(manager, x); // [B, T]
        if (task.noise() > 0) {
            y = y.add(manager.randomNormal(0f, (float) task.noise(), new Shape(batchSize, t), DataType.FLOAT32));
        }
        NDArray targets = y.get(new NDIndex(":, -1")); // [B]
        // zero the query's label slot: mask [T] = (1, ..., 1, 0)
        float[] mask = new float[t];
        java.util.Arrays.fill(mask, 0, t - 1, 1f);
        NDArray ySlots = y.mul(manager.create(mask)).expandDims(2); // [B, T, 1]
        NDArray tokens = NDArrays.concat(new ai.djl.ndarray.NDList(x, ySlots), 2); // [B, T, D]
        return new PromptBatch(tokens, targets);
    }
}
