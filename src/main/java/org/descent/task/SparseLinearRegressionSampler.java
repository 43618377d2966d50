package org.descent.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Sparse linear regression (Garg et al. 2022): per prompt {@code w ~ N(0, I_d)} with all but k coordinates, chosen
 * uniformly at random without replacement, set to zero; {@code y = r(w·x) + σ ε}.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code d} input dimension, {@code k = task.sparsity()} non-zeros.
 */
public final class SparseLinearRegressionSampler extends LinearRegressionSampler {

    public SparseLinearRegressionSampler(TaskConfig task) {
        super(task, TaskConfig.FAMILY_SPARSE_LINEAR);
    }

    /** {@code w [B, d]} with exactly k non-zero coordinates per row (the support is the k smallest of d uniforms). */
    @Override
    protected NDArray sampleWeights(NDManager manager, int batchSize) {
        int d = task.d();
        NDArray w = manager.randomNormal(0f, 1f, new Shape(batchSize, d), DataType.FLOAT32); // [B, d]
        NDArray u = manager.randomUniform(0f, 1f, new Shape(batchSize, d), DataType.FLOAT32); // [B, d]
        NDArray rank = u.argSort(1).argSort(1); // rank of each coordinate's uniform within its row, [B, d]
        NDArray support = rank.lt(task.sparsity()).toType(DataType.FLOAT32, false); // [B, d], k ones per row
        return w.mul(support);
    }
}
