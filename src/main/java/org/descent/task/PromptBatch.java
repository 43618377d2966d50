package org.descent.task;

import ai.djl.ndarray.NDArray;

/**
 * A batch of prompts as DJL arrays, owned by the manager it was sampled into.
 *
 * @param tokens {@code [B, N+1, D]}: context rows {@code [x_i, y_i]}, query row {@code [x_q, 0]}
 * @param targets {@code [B]}: the query's true label
 */
public record PromptBatch(NDArray tokens, NDArray targets) {

    public PromptSet toPromptSet() {
        return PromptSet.of(tokens, targets);
    }
}
