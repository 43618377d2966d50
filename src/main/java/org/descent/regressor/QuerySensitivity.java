package org.descent.regressor;

import org.descent.task.PromptSet;

/**
 * A regressor whose prediction can be differentiated with respect to the query input: the sensitivity
 * ∂ŷ/∂x_q used by the "model diff" and "model cos" metrics.
 */
public interface QuerySensitivity extends InContextRegressor {

    /**
     * Per-prompt Jacobians of the prediction with respect to the query input.
     *
     * @param prompts B prompts
     * @return {@code [B][d]}: row b is ∂ŷ_b/∂x_q
     */
    double[][] queryJacobians(PromptSet prompts);
}
