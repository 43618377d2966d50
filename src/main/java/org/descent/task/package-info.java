/**
 * In-context regression tasks: what a prompt is and how prompts are drawn.
 *
 * <p>{@link org.descent.task.TaskConfig} describes a task (d, N, input distribution — uniform, isotropic or
 * anisotropic Gaussian via {@link org.descent.task.CovarianceSpec} —, weight prior, response function, function
 * family: linear, sparse linear, 2-layer ReLU network, decision tree); {@link org.descent.task.TaskSamplers} picks the
 * {@link org.descent.task.TaskSampler} that draws it with the engine's seeded random generator, so a batch is a pure
 * function of (task, batch size, seed). {@link org.descent.task.PromptSet} holds prompts in double precision in the
 * token layout of the README's contracts ({@code [B, N+1, d+1]}, query label slot 0).
 */
package org.descent.task;
