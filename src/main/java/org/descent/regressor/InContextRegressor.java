package org.descent.regressor;

import org.descent.task.PromptSet;

/**
 * The one contract every in-context learner in descent implements: read a prompt of context examples and a
 * query, predict the query's label. The trained LSA, the GD weight constructions loaded into the same LSA, the
 * explicit EJML oracles and foreign checkpoints are all implementations, and tests check them against each other.
 */
public interface InContextRegressor {

    /** A short human-readable name used in tables ("trained LSA", "GD(η*)", "OLS"). */
    String name();

    /**
     * Predictions for every prompt, in double precision.
     *
     * @param prompts B prompts
     * @return ŷ of shape [B]
     */
    double[] predict(PromptSet prompts);
}
