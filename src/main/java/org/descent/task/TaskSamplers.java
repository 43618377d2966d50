package org.descent.task;

/** Picks the sampler that draws prompts of a task. */
public final class TaskSamplers {
    private TaskSamplers() {}

    public static TaskSampler forTask(TaskConfig task) {
        return new LinearRegressionSampler(task);
    }
}
