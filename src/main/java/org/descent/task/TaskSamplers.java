package org.descent.task;

/** Picks the sampler that draws prompts of a task, by its function family. */
public final class TaskSamplers {
    private TaskSamplers() {}

    public static TaskSampler forTask(TaskConfig task) {
        return switch (task.family()) {
            case TaskConfig.FAMILY_LINEAR -> new LinearRegressionSampler(task);
            case TaskConfig.FAMILY_SPARSE_LINEAR -> new SparseLinearRegressionSampler(task);
            case TaskConfig.FAMILY_RELU_NETWORK -> new ReluNetworkSampler(task);
            case TaskConfig.FAMILY_DECISION_TREE -> new DecisionTreeSampler(task);
            case TaskConfig.FAMILY_GAUSSIAN_MIXTURE -> new GaussianMixtureSampler(task);
            default -> throw new IllegalArgumentException("task: no sampler for family \"" + task.family() + "\"");
        };
    }
}
