package org.descent.regressor;

import org.descent.task.PromptSet;

/**
 * An in-context regressor that fits a weight vector to each prompt's context and predicts linearly in the query:
 * {@code ŷ_b = w_bᵀ x_q}, so its query Jacobian is {@code w_b} exactly. GD, PGD, GD++ read-outs, least squares,
 * ridge and Iterative Newton are all of this form; they implement {@link #weights} and inherit the rest.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code d} input dimension; weights {@code [d]}, Jacobians
 * {@code [B][d]}.
 */
public interface LinearInQuery extends QuerySensitivity {

    /** The weight vector {@code w_b [d]} this algorithm computes from the context of prompt {@code b}. */
    double[] weights(PromptSet prompts, int b);

    @Override
    default double[] predict(PromptSet prompts) {
        double[] out = new double[prompts.size()];
        for (int b = 0; b < prompts.size(); b++) {
            double[] w = weights(prompts, b);
            double s = 0;
            for (int k = 0; k < w.length; k++) {
                s += w[k] * prompts.xq(b, k);
            }
            out[b] = s;
        }
        return out;
    }

    @Override
    default double[][] queryJacobians(PromptSet prompts) {
        double[][] out = new double[prompts.size()][];
        for (int b = 0; b < prompts.size(); b++) {
            out[b] = weights(prompts, b);
        }
        return out;
    }
}
