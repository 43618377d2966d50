package org.descent.oracle;

import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;

/** Predicts 0 for every prompt: the trivial baseline whose MSE is E[y²]. */
public final class ZeroPredictor implements QuerySensitivity {
    @Override
    public String name() {
        return "zero";
    }

    @Override
    public double[] predict(PromptSet prompts) {
        return new double[prompts.size()];
    }

    @Override
    public double[][] queryJacobians(PromptSet prompts) {
        return new double[prompts.size()][prompts.d()];
    }
}
