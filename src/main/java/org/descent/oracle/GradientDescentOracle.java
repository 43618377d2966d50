package org.descent.oracle;

import java.util.Arrays;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Explicit (preconditioned) gradient descent on each prompt's in-context least-squares loss, in EJML double
 * precision: the independent reference the LSA constructions are tested against.
 *
 * <p>Dimension glossary: {@code N} context examples, {@code d} input dimension; {@code X [N, d]} context inputs,
 * {@code y [N]} labels, {@code Γ [d, d]} preconditioner.
 *
 * <p>Loss {@code L(w) = 1/(2N) Σ (w·x_i − y_i)²}, gradient {@code ∇L(w) = Xᵀ(Xw − y)/N}; from {@code w₀ = 0},
 * {@code w_{k+1} = w_k − η_k Γ ∇L(w_k)}; prediction {@code ŷ = w_K·x_q}, so {@code ∂ŷ/∂x_q = w_K}.
 * With K = 1 and Γ = I this is one plain GD step, {@code ŷ = η x_q·h}, {@code h = Σ y_i x_i / N}.
 */
public final class GradientDescentOracle implements org.descent.regressor.LinearInQuery {
    private final String name;
    private final double[] stepSizes;
    private final DMatrixRMaj preconditioner; // [d, d] or null for Γ = I

    private GradientDescentOracle(String name, double[] stepSizes, DMatrixRMaj preconditioner) {
        if (stepSizes.length == 0) {
            throw new IllegalArgumentException("GD oracle: at least one step is required");
        }
        for (double eta : stepSizes) {
            if (!Double.isFinite(eta)) {
                throw new IllegalArgumentException("GD oracle: step sizes must be finite, got "
                        + Arrays.toString(stepSizes));
            }
        }
        this.name = name;
        this.stepSizes = stepSizes.clone();
        this.preconditioner = preconditioner == null ? null : preconditioner.copy();
    }

    /** One plain GD step of size η. */
    public static GradientDescentOracle oneStep(double eta) {
        return new GradientDescentOracle(String.format("GD(η=%.4g)", eta), new double[] {eta}, null);
    }

    /** K plain GD steps with step sizes η_1..η_K. */
    public static GradientDescentOracle steps(double... etas) {
        return new GradientDescentOracle(etas.length + "-step GD", etas, null);
    }

    /** One preconditioned step, {@code ŷ = x_qᵀ Γ h}. */
    public static GradientDescentOracle preconditioned(DMatrixRMaj gamma) {
        if (gamma.numRows != gamma.numCols) {
            throw new IllegalArgumentException("PGD oracle: Γ must be square, got " + gamma.numRows + "x"
                    + gamma.numCols);
        }
        return new GradientDescentOracle("PGD", new double[] {1.0}, gamma);
    }

    /** K preconditioned steps with one Γ and step sizes η_1..η_K. */
    public static GradientDescentOracle preconditionedSteps(DMatrixRMaj gamma, double... etas) {
        return new GradientDescentOracle(etas.length + "-step PGD", etas, gamma);
    }

    @Override
    public String name() {
        return name;
    }

    /** A copy of this oracle with another display name. */
    public GradientDescentOracle named(String newName) {
        return new GradientDescentOracle(newName, stepSizes, preconditioner);
    }

    /** The final iterate w_K for prompt b ({@code [d]}). */
    @Override
    public double[] weights(PromptSet prompts, int b) {
        int n = prompts.n();
        int d = prompts.d();
        if (preconditioner != null && preconditioner.numRows != d) {
            throw new IllegalArgumentException("PGD oracle: Γ is " + preconditioner.numRows + "x"
                    + preconditioner.numCols + " but prompts have d=" + d);
        }
        DMatrixRMaj x = new DMatrixRMaj(prompts.contextInputs(b)); // [N, d]
        DMatrixRMaj y = new DMatrixRMaj(n, 1, true, prompts.contextLabels(b)); // [N, 1]
        DMatrixRMaj w = new DMatrixRMaj(d, 1); // w₀ = 0
        DMatrixRMaj residual = new DMatrixRMaj(n, 1);
        DMatrixRMaj grad = new DMatrixRMaj(d, 1);
        DMatrixRMaj step = new DMatrixRMaj(d, 1);
        for (double eta : stepSizes) {
            CommonOps_DDRM.mult(x, w, residual);
            CommonOps_DDRM.subtractEquals(residual, y); // Xw − y
            CommonOps_DDRM.multTransA(x, residual, grad);
            CommonOps_DDRM.scale(1.0 / n, grad); // ∇L(w)
            if (preconditioner != null) {
                CommonOps_DDRM.mult(preconditioner, grad, step);
            } else {
                step.setTo(grad);
            }
            CommonOps_DDRM.addEquals(w, -eta, step);
        }
        return w.getData();
    }
}
