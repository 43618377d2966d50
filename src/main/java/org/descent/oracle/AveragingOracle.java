package org.descent.oracle;

import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;

/**
 * The averaging estimator of Garg et al. 2022: {@code ŵ = Σ_i y_i x_i / N = h}, {@code ŷ = x_q·h}, i.e. one plain GD
 * step with η = 1 from w₀ = 0. Its normalized error for x ~ N(0, I_d) is (d + 1)/N (README, Closed forms).
 *
 * <p>Dimension glossary: {@code N} context examples, {@code d} input dimension, {@code h [d]}.
 */
public final class AveragingOracle implements QuerySensitivity {
    private final GradientDescentOracle step = GradientDescentOracle.oneStep(1.0);

    @Override
    public String name() {
        return "averaging";
    }

    @Override
    public double[] predict(PromptSet prompts) {
        return step.predict(prompts);
    }

    @Override
    public double[][] queryJacobians(PromptSet prompts) {
        return step.queryJacobians(prompts);
    }
}
