package org.descent.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * (Noisy) linear regression: inputs from the task's input distribution, {@code w ~ N(0, I_d)} or
 * {@code w ~ N(0, Σ⁻¹)} per prompt, {@code y = r(w·x) + σ ε} with r the task's response function (identity, tanh,
 * ReLU). The setting of von Oswald et al. 2023, Garg et al. 2022 and (anisotropic) Ahn et al. 2023.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code T = N + 1} examples per prompt, {@code d} input dimension.
 */
public class LinearRegressionSampler extends RegressionSampler {
    private final float[] priorFactorInv; // L⁻¹ of Σ = L Lᵀ, [d, d] row-major; null for w ~ N(0, I)

    public LinearRegressionSampler(TaskConfig task) {
        this(task, TaskConfig.FAMILY_LINEAR);
    }

    /** For subclasses that sample another linear family ({@code family} is checked against the task). */
    protected LinearRegressionSampler(TaskConfig task, String family) {
        super(requireFamily(task, family, "sampler of family \"" + family + "\""));
        if (task.weightPrior().equals(TaskConfig.PRIOR_INVERSE_COVARIANCE)) {
            DMatrixRMaj inv = new DMatrixRMaj(task.d(), task.d());
            if (!CommonOps_DDRM.invert(task.inputCovarianceFactor(), inv)) {
                throw new IllegalStateException("task: the Cholesky factor of the covariance is singular");
            }
            this.priorFactorInv = transposedFloats(CommonOps_DDRM.transpose(inv, null)); // L⁻¹ row-major
        } else {
            this.priorFactorInv = null;
        }
    }

    /**
     * Per-prompt weights {@code w [B, d]}, float32: {@code z ~ N(0, I)}, or {@code w = L⁻ᵀ z} (covariance
     * {@code L⁻ᵀL⁻¹ = Σ⁻¹}) for the inverse-covariance prior.
     */
    protected NDArray sampleWeights(NDManager manager, int batchSize) {
        NDArray z = manager.randomNormal(0f, 1f, new Shape(batchSize, task.d()), DataType.FLOAT32); // [B, d]
        if (priorFactorInv == null) {
            return z;
        }
        return z.matMul(manager.create(priorFactorInv, new Shape(task.d(), task.d()))); // rows z L⁻¹ = (L⁻ᵀ z)ᵀ
    }

    @Override
    protected NDArray sampleResponses(NDManager manager, NDArray x) {
        int b = (int) x.getShape().get(0);
        NDArray w = sampleWeights(manager, b).expandDims(2); // [B, d, 1]
        TaskTruth.offer("w", w, b, task.d()); // ground truth, kept only while TaskTruth.record runs
        return respond(x.batchMatMul(w).squeeze(2)); // [B, T]
    }

    /** Applies the task's response function r elementwise to the linear scores {@code w·x}. */
    protected NDArray respond(NDArray scores) {
        return switch (task.response()) {
            case TaskConfig.RESPONSE_TANH -> scores.tanh();
            case TaskConfig.RESPONSE_RELU -> scores.maximum(0f);
            default -> scores;
        };
    }
}
