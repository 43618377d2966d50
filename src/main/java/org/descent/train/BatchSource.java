package org.descent.train;

import ai.djl.ndarray.NDManager;
import org.descent.task.PromptBatch;
import org.descent.task.Seeds;
import org.descent.task.TaskSampler;

/**
 * The training batch of each step, a pure function of the step (so resumed runs see the same data). The plain source
 * draws {@code batchSize} prompts of the task from seed {@code derive(seed, TRAIN, step)}; a curriculum
 * ({@link Curriculum#source}) varies the task with the step.
 */
@FunctionalInterface
public interface BatchSource {

    /** The batch of {@code step}, owned by {@code scope}. */
    PromptBatch draw(NDManager scope, int step);

    /** Fresh prompts of {@code sampler}'s task for every step. */
    static BatchSource of(TaskSampler sampler, TrainConfig config) {
        return (scope, step) -> sampler.sample(scope, config.batchSize(), Seeds.derive(config.seed(), Seeds.TRAIN,
                step));
    }
}
