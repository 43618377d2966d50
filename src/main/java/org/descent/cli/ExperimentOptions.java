package org.descent.cli;

import java.nio.file.Path;
import java.util.function.Predicate;
import org.descent.experiment.ExperimentConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * Options that define an experiment, composed per command so that each lists only what it uses: this class is the
 * task ({@code --config}, {@code --seed}, {@link TaskOptions}; {@code dataset}); {@link WithModel} adds the model and the
 * optimiser ({@code bench}), {@link WithTraining} the run length ({@code train}), {@link WithEvaluation} the test
 * prompts ({@code verify}).
 *
 * <p>Precedence: an option given on the command line, then the {@code --config} file (or the checkpoint being
 * resumed), then the defaults shown in the help ({@link ExperimentDefaults}).
 */
class ExperimentOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON experiment config (keys task, model, train, eval); its values replace the defaults "
                    + "below, options given on the command line replace its values; unknown keys are errors.")
    Path config;

    @Option(names = "--seed", paramLabel = "S", description = "Run seed (default: ${DEFAULT-VALUE}).")
    Long seed;

    @Mixin TaskOptions task;

    /** The command these options belong to: its parse result says which options were given. */
    @Spec(Spec.Target.MIXEE) CommandSpec command;

    /** The experiment these options describe. */
    ExperimentConfig resolve() {
        return resolve(ExperimentConfig.defaults());
    }

    /** These options applied over {@code base} (a config file, if given, replaces {@code base}). */
    ExperimentConfig resolve(ExperimentConfig base) {
        ExperimentConfig c = config != null ? ExperimentConfig.load(config) : base;
        Predicate<String> given = given();
        if (given.test("--seed")) {
            c = new ExperimentConfig(c.task(), c.model(), c.train().withSeed(seed), c.eval());
        }
        return apply(task.apply(c, given), given);
    }

    /** The groups a subclass adds, applied in order. */
    ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
        return c;
    }

    /** Whether an option was given on the command line (rather than set to its default). */
    private Predicate<String> given() {
        ParseResult parsed = command == null || command.commandLine() == null ? null
                : command.commandLine().getParseResult();
        return name -> parsed != null && parsed.hasMatchedOption(name);
    }

    /** Task, model and optimiser: what a training step needs ({@code bench}). */
    static class WithModel extends ExperimentOptions {
        @Mixin ModelOptions model;
        @Mixin OptimizerOptions optimizer;

        @Override
        ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
            return optimizer.apply(model.apply(super.apply(c, given), given), given);
        }
    }

    /** A whole training run: adds the number of steps and intermediate checkpoints ({@code train}). */
    static class WithTraining extends WithModel {
        @Mixin TrainingOptions training;

        @Override
        ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
            return training.apply(super.apply(c, given), given);
        }
    }

    /** Training and evaluation on fresh test prompts ({@code verify}). */
    static final class WithEvaluation extends WithTraining {
        @Mixin EvaluationOptions evaluation;

        @Override
        ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
            ExperimentConfig out = evaluation.apply(super.apply(c, given), given);
            if (out.model().isGpt2()) {
                throw new IllegalArgumentException("this command compares an LSA with gradient descent; train a GPT-2 "
                        + "with 'descent train --arch gpt2' (its report has the error-vs-k curves)");
            }
            return out;
        }
    }
}
