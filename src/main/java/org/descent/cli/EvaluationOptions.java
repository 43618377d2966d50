package org.descent.cli;

import java.util.function.Predicate;
import org.descent.experiment.EvalConfig;
import org.descent.experiment.ExperimentConfig;
import picocli.CommandLine.Option;

/** How a trained model is evaluated. Defaults come from {@link ExperimentDefaults}. */
final class EvaluationOptions {
    @Option(names = "--test-prompts", paramLabel = "B", description = "Fresh test prompts (default: ${DEFAULT-VALUE}).")
    Integer testPrompts;

    ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
        EvalConfig e = c.eval();
        e = given.test("--test-prompts") ? new EvalConfig(testPrompts, e.searchPrompts()) : e;
        return new ExperimentConfig(c.task(), c.model(), c.train(), e);
    }
}
