package org.descent.probe.calibration;

import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;

/**
 * One GD step plus a small term that depends on which example comes first:
 * {@code ŷ = η x_q·h + c · y_1 (x_1·x_q)}. With c = 0.003 it is within the tolerance of GD on every behavioural
 * criterion (relative SPD about 5e-6) yet not exactly order-invariant: a verdict that calls it inconsistent with GD
 * puts tolerances on different scales.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context examples, {@code d} input dimension,
 * {@code h = Σ y_i x_i / N [d]}; Jacobians {@code [B][d]}.
 */
public final class OrderDependentGd implements QuerySensitivity {
    private final double eta;
    private final double c;

    /**
     * @param eta the GD step size
     * @param c the weight of the first example's extra term
     */
    public OrderDependentGd(double eta, double c) {
        this.eta = eta;
        this.c = c;
    }

    @Override
    public String name() {
        return String.format(java.util.Locale.ROOT, "GD(η=%.4g) + %.3g·y₁(x₁·x_q)", eta, c);
    }

    @Override
    public double[] predict(PromptSet prompts) {
        double[][] j = queryJacobians(prompts);
        double[] out = new double[prompts.size()];
        for (int b = 0; b < out.length; b++) {
            double[] xq = prompts.query(b);
            for (int k = 0; k < xq.length; k++) {
                out[b] += j[b][k] * xq[k];
            }
        }
        return out;
    }

    /** ŷ is linear in x_q: ∂ŷ/∂x_q = η h + c y_1 x_1. */
    @Override
    public double[][] queryJacobians(PromptSet prompts) {
        int d = prompts.d();
        int n = prompts.n();
        double[][] out = new double[prompts.size()][d];
        for (int b = 0; b < prompts.size(); b++) {
            for (int i = 0; i < n; i++) {
                double y = prompts.y(b, i);
                for (int k = 0; k < d; k++) {
                    out[b][k] += eta * y * prompts.x(b, i, k) / n;
                }
            }
            for (int k = 0; k < d; k++) {
                out[b][k] += c * prompts.y(b, 0) * prompts.x(b, 0, k);
            }
        }
        return out;
    }
}
