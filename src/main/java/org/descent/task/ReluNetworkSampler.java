package org.descent.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Two-layer ReLU networks (Garg et al. 2022): per prompt
 * {@code f(x) = √(2/r) Σ_{j≤r} α_j ReLU(u_jᵀ x)} with {@code u_j ~ N(0, I_d)}, {@code α_j ~ N(0, 1)}; labels
 * {@code y = f(x) + σ ε}. The √(2/r) factor makes Var f(x) = E‖x‖² (= d for x ~ N(0, I)), as for linear tasks.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code T = N + 1} examples, {@code d} input dimension,
 * {@code r = task.hiddenWidth()} hidden units.
 */
public final class ReluNetworkSampler extends RegressionSampler {

    public ReluNetworkSampler(TaskConfig task) {
        super(requireFamily(task, TaskConfig.FAMILY_RELU_NETWORK, "ReluNetworkSampler"));
    }

    @Override
    protected NDArray sampleResponses(NDManager manager, NDArray x) {
        long b = x.getShape().get(0);
        int r = task.hiddenWidth();
        NDArray u = manager.randomNormal(0f, 1f, new Shape(b, task.d(), r), DataType.FLOAT32); // [B, d, r]
        NDArray alpha = manager.randomNormal(0f, 1f, new Shape(b, r, 1), DataType.FLOAT32); // [B, r, 1]
        TaskTruth.offer("u", u); // ground truth, kept only while TaskTruth.record runs
        TaskTruth.offer("alpha", alpha, b, r);
        NDArray hidden = x.batchMatMul(u).maximum(0f); // [B, T, r]
        return hidden.batchMatMul(alpha).squeeze(2).mul((float) Math.sqrt(2.0 / r)); // [B, T]
    }
}
