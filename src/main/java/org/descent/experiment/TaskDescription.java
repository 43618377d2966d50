package org.descent.experiment;

import java.util.Locale;
import org.descent.task.TaskConfig;

/** One-line human descriptions of tasks for reports and console output. */
public final class TaskDescription {
    private TaskDescription() {}

    public static String of(TaskConfig t) {
        String x;
        if (t.covariance() != null) {
            x = "N(0, Σ) (" + (t.covariance().eigenvalues() != null ? "Σ from eigenvalues, rotation seed "
                    + t.covariance().rotationSeed() : t.covariance().file() != null ? "Σ from " + t.covariance().file()
                    : "Σ given") + ")";
        } else if (t.inputs().equals(TaskConfig.UNIFORM)) {
            x = "U(−" + t.inputScale() + ", " + t.inputScale() + ")^d";
        } else {
            x = "N(0, " + t.inputScale() + "² I)";
        }
        String w = TaskConfig.PRIOR_INVERSE_COVARIANCE.equals(t.weightPrior()) ? "N(0, Σ⁻¹)" : "N(0, I)";
        if (t.isClassification()) {
            String lambda = t.covariance() != null ? "Λ = " + x.substring(x.indexOf('(') + 1, x.lastIndexOf(')'))
                    : "Λ = " + t.inputScale() + "² I";
            return String.format(Locale.ROOT, "d = %d, N = %d, Gaussian mixture: y ~ U{−1, +1}, x = y μ + N(0, Λ), "
                    + "‖μ‖_Λ⁻¹ = %s, %s", t.d(), t.n(), t.classSeparation(), lambda);
        }
        String labels = switch (t.family()) {
            case TaskConfig.FAMILY_SPARSE_LINEAR -> t.sparsity() + "-sparse w ~ " + w + ", y = " + response(t);
            case TaskConfig.FAMILY_RELU_NETWORK -> "2-layer ReLU network of width " + t.hiddenWidth();
            case TaskConfig.FAMILY_DECISION_TREE -> "depth-" + t.treeDepth() + " decision tree";
            default -> "w ~ " + w + ", y = " + response(t);
        };
        return String.format(Locale.ROOT, "d = %d, N = %d, x ~ %s, %s, noise σ = %s", t.d(), t.n(), x, labels,
                t.noise());
    }

    private static String response(TaskConfig t) {
        return switch (t.response()) {
            case TaskConfig.RESPONSE_TANH -> "tanh(w·x)";
            case TaskConfig.RESPONSE_RELU -> "relu(w·x)";
            default -> "w·x";
        };
    }
}
