package org.descent.train;

import ai.djl.ndarray.NDArray;
import java.util.List;
import org.descent.task.PromptBatch;

/**
 * What {@link ModelTrainer} trains, whatever the architecture: the parameter arrays in a fixed order (the order of
 * the Adam state and of host snapshots) and the training loss of a batch. Implementations: the LSA
 * ({@link LsaTrainer}), the GPT-2 regressor ({@link Gpt2Model}), the looped GPT-2 ({@link LoopedGpt2Model}) and others.
 */
public interface TrainableModel {

    /** The trainable arrays, in the model's canonical order; they require gradients. */
    List<NDArray> parameters();

    /**
     * The scalar training loss of {@code batch}, built from {@link #parameters()} so that autograd reaches them
     * (plain MSE, no ½, README contracts).
     */
    NDArray loss(PromptBatch batch);
}
