package org.descent.probe;

import java.util.IdentityHashMap;
import java.util.Map;
import org.descent.regressor.InContextRegressor;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.PromptSet;

/**
 * Predictions and Jacobians on the run's test prompts, computed once per regressor instance and shared by all probes
 * of one run (keyed by object identity, so two oracles with the same name never collide).
 *
 * <p>Dimension glossary: {@code B} test prompts, {@code d} input dimension; predictions {@code [B]}, Jacobians
 * {@code [B][d]}. Arrays handed out are the cached ones: callers must not modify them.
 */
public final class EvaluationCache {
    private final PromptSet test;
    private final Map<Object, double[]> predictions = new IdentityHashMap<>();
    private final Map<Object, double[][]> jacobians = new IdentityHashMap<>();

    /** A cache over the run's test prompts. */
    public EvaluationCache(PromptSet test) {
        this.test = test;
    }

    /** Predictions of {@code r} on the test prompts {@code [B]}. */
    public double[] predictions(InContextRegressor r) {
        return predictions.computeIfAbsent(r, k -> checked(r.name(), r.predict(test)));
    }

    /** Jacobians of {@code r} on the test prompts {@code [B][d]}. */
    public double[][] jacobians(QuerySensitivity r) {
        return jacobians.computeIfAbsent(r, k -> {
            double[][] j = r.queryJacobians(test);
            if (j.length != test.size()) {
                throw new IllegalStateException(r.name() + " returned " + j.length + " Jacobians for " + test.size()
                        + " prompts");
            }
            return j;
        });
    }

    private double[] checked(String name, double[] p) {
        if (p.length != test.size()) {
            throw new IllegalStateException(name + " returned " + p.length + " predictions for " + test.size()
                    + " prompts");
        }
        return p;
    }
}
