/**
 * The picocli command line behind {@code ./descent}. Each command composes the option groups it uses, so its
 * {@code --help} lists nothing else: the experiment ({@link org.descent.cli.ExperimentOptions} with
 * {@link org.descent.cli.TaskOptions}, {@link org.descent.cli.ModelOptions}, {@link org.descent.cli.OptimizerOptions},
 * {@link org.descent.cli.TrainingOptions}, {@link org.descent.cli.EvaluationOptions}; defaults from
 * {@link org.descent.cli.ExperimentDefaults}), the engine ({@link org.descent.cli.EngineOptions},
 * {@link org.descent.cli.RuntimeOptions}), the output ({@link org.descent.cli.OutputOptions}) and the verdict exit
 * code ({@link org.descent.cli.FailOnOption}).
 */
package org.descent.cli;
