package org.descent.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * In-context binary classification of a two-component Gaussian mixture (Shen, Zhou, Yang and Shen 2025): per prompt a
 * class mean {@code μ = r Λ^{1/2} u}, {@code u} uniform on the unit sphere, labels {@code y_i ∈ {−1, +1}} independent
 * and uniform, inputs {@code x_i = y_i μ + Λ^{1/2} z_i}. Tokens follow the standard layout: context rows
 * {@code [x_i, y_i]}, query row {@code [x_q, 0]}, target {@code y_q} (see {@link TaskConfig} for the family).
 *
 * <p>Dimension glossary: {@code B} prompts, {@code T = N + 1} examples per prompt (the last is the query),
 * {@code d} input dimension, {@code D = d + 1} token width.
 *
 * <p>Draw order from the engine's generator, re-seeded from the batch seed: class noise {@code z [B, T, d]}, sphere
 * direction {@code [B, d]}, label coins {@code [B, T]}; so a batch is a pure function of (task, batch size, seed) on a
 * given device. While {@link TaskTruth#record} runs the class means are recorded as {@code mu [B, d]}.
 */
public final class GaussianMixtureSampler implements TaskSampler {
    private final TaskConfig task;
    private final float[] noiseFactorT; // Lᵀ of Λ = L Lᵀ, [d, d] row-major; null for Λ = a² I

    public GaussianMixtureSampler(TaskConfig task) {
        this.task = RegressionSampler.requireFamily(task, TaskConfig.FAMILY_GAUSSIAN_MIXTURE, "GaussianMixtureSampler");
        this.noiseFactorT = task.hasIsotropicInputs() ? null
                : RegressionSampler.transposedFloats(task.inputCovarianceFactor());
    }

    @Override
    public TaskConfig task() {
        return task;
    }

    /** Rows {@code v Lᵀ = (L v)ᵀ} for {@code v [.., d]}: maps standard normal rows to N(0, Λ) rows (a·v if Λ = a²I). */
    private NDArray applyFactor(NDManager manager, NDArray v) {
        if (noiseFactorT == null) {
            return v.mul(manager.create((float) task.inputScale()));
        }
        return v.matMul(manager.create(noiseFactorT, new Shape(task.d(), task.d())));
    }

    @Override
    public PromptBatch sample(NDManager manager, int batchSize, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        int t = task.tokens();
        int d = task.d();
        NDArray[] drawn = EngineRandom.draw(manager, seed, () -> new NDArray[] {
            manager.randomNormal(0f, 1f, new Shape(batchSize, t, d), DataType.FLOAT32), // z [B, T, d]
            manager.randomNormal(0f, 1f, new Shape(batchSize, d), DataType.FLOAT32), // g [B, d]
            manager.randomUniform(0f, 1f, new Shape(batchSize, t), DataType.FLOAT32)}); // coins [B, T]
        NDArray z = drawn[0];
        NDArray g = drawn[1];
        NDArray coins = drawn[2];
        NDArray u = g.div(g.norm(new int[] {1}, true)); // [B, d], unit rows
        NDArray mu = applyFactor(manager, u.mul(manager.create(task.classSeparation().floatValue()))); // [B, d]
        TaskTruth.offer("mu", mu, batchSize, d); // ground truth, kept only while TaskTruth.record runs
        NDArray y = coins.lt(0.5f).toType(DataType.FLOAT32, false).mul(manager.create(2f))
                .sub(manager.create(1f)); // [B, T], ±1
        NDArray x = y.expandDims(2).mul(mu.expandDims(1)).add(applyFactor(manager, z)); // [B, T, d]
        return RegressionSampler.layOut(manager, x, y);
    }
}
