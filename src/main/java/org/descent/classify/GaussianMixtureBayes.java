package org.descent.classify;

import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.hipparchus.distribution.continuous.NormalDistribution;

/**
 * The Bayes classifiers of the {@code "gaussian-mixture"} task (see {@link TaskConfig}) and per-prompt scoring of
 * in-context classifiers.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code d} input dimension, {@code Λ [d, d]} class covariance.
 *
 * <p>Knowing μ, {@code sign(μᵀΛ⁻¹x_q)} is Bayes-optimal with accuracy Φ(r), r = ‖μ‖_Λ⁻¹. From the context alone, with
 * {@code Λ^{-1/2}μ} uniform on the sphere of radius r, the posterior predictive of y_q = ±1 is an increasing function
 * of {@code ‖Λ^{-1/2}(N h ± x_q)‖} ({@code h = (1/N) Σ y_i x_i}), so {@code sign(x_qᵀ Λ⁻¹ h)} is Bayes-optimal:
 * the single-layer classifier with {@code W ∝ Λ⁻¹}.
 */
public final class GaussianMixtureBayes {
    private GaussianMixtureBayes() {}

    /** Φ(r): the accuracy of the Bayes classifier that knows μ. */
    public static double knownMeanAccuracy(TaskConfig task) {
        requireMixture(task);
        return new NormalDistribution(0, 1).cumulativeProbability(task.classSeparation());
    }

    /** Λ⁻¹ {@code [d, d]} of the task. */
    public static DMatrixRMaj lambdaInverse(TaskConfig task) {
        requireMixture(task);
        DMatrixRMaj inv = new DMatrixRMaj(task.d(), task.d());
        if (!CommonOps_DDRM.invertSPD(task.inputCovariance(), inv)) {
            throw new IllegalStateException("gaussian mixture: Λ could not be inverted");
        }
        return inv;
    }

    /** Logits {@code x_qᵀ Λ⁻¹ h} of the in-context Bayes classifier, {@code [B]}. */
    public static double[] inContextLogits(TaskConfig task, PromptSet prompts) {
        return InContextClassificationLoss.logits(lambdaInverse(task), prompts);
    }

    /** 1 where {@code sign(logit)} equals the query's label, else 0, {@code [B]} (a zero logit counts as wrong). */
    public static double[] correct(double[] logits, PromptSet prompts) {
        double[] out = new double[logits.length];
        for (int b = 0; b < out.length; b++) {
            out[b] = Math.signum(logits[b]) == prompts.target(b) ? 1.0 : 0.0;
        }
        return out;
    }

    /** Per-prompt cross-entropy {@code log(1 + exp(−y ŷ))}, {@code [B]}. */
    public static double[] crossEntropy(double[] logits, PromptSet prompts) {
        double[] out = new double[logits.length];
        for (int b = 0; b < out.length; b++) {
            out[b] = InContextClassificationLoss.softplusNeg(prompts.target(b) * logits[b]);
        }
        return out;
    }

    private static void requireMixture(TaskConfig task) {
        if (!task.isClassification()) {
            throw new IllegalArgumentException("Bayes classifier: the task has family \"" + task.family()
                    + "\", not \"gaussian-mixture\"");
        }
    }
}
