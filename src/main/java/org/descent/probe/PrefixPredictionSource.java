package org.descent.probe;

import org.descent.task.PromptSet;

/**
 * A model capability: a prediction after every prefix of the context in one causal pass (models that read an
 * interleaved {@link org.descent.task.layout.PromptLayout}).
 */
@FunctionalInterface
public interface PrefixPredictionSource {

    /**
     * Predictions after every prefix.
     *
     * @param prompts B prompts of N context pairs
     * @return row-major {@code [B, N+1]}: entry {@code k} is the prediction for input {@code k+1} from the first
     *     {@code k} pairs (entry {@code N}: the query); the labels are {@link PromptSet#prefixTargets()}
     */
    double[] prefixPredictions(PromptSet prompts);
}
