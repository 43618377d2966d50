package org.descent.cli;

import java.util.function.Predicate;
import org.descent.experiment.ExperimentConfig;
import org.descent.task.TaskConfig;
import picocli.CommandLine.Option;

/** The task: what prompts look like. Defaults come from {@link ExperimentDefaults}. */
final class TaskOptions {
    @Option(names = "--d", paramLabel = "D", description = "Input dimension d (default: ${DEFAULT-VALUE}).")
    Integer d;

    @Option(names = "--n", paramLabel = "N", description = "Context examples per prompt N (default: ${DEFAULT-VALUE}).")
    Integer n;

    @Option(names = "--inputs", paramLabel = "uniform|gaussian",
            description = "Input distribution (default: ${DEFAULT-VALUE}).")
    String inputs;

    @Option(names = "--input-scale", paramLabel = "A",
            description = "Half-width of U(-A, A) or std of N(0, A²I) (default: ${DEFAULT-VALUE}).")
    Double inputScale;

    @Option(names = "--noise", paramLabel = "SIGMA", description = "Label noise std σ (default: ${DEFAULT-VALUE}).")
    Double noise;

    @Option(names = "--family", paramLabel = "FAMILY",
            description = "Task family: linear, sparse-linear, relu-network, decision-tree (regression) or "
                    + "gaussian-mixture (in-context binary classification, labels ±1 in the y slot; its inputs are "
                    + "Gaussian, noise 0) (default: ${DEFAULT-VALUE}).")
    String family;

    @Option(names = "--family-parameter", paramLabel = "K",
            description = "The family's integer parameter: sparsity k (sparse-linear), hidden width (relu-network), "
                    + "depth (decision-tree); default: the family's default.")
    Integer familyParameter;

    @Option(names = "--class-separation", paramLabel = "R",
            description = "gaussian-mixture only: Mahalanobis norm r of the class mean μ (Bayes accuracy knowing μ "
                    + "is Φ(r)); default " + TaskConfig.DEFAULT_CLASS_SEPARATION + ".")
    Double classSeparation;

    /** {@code c} with the options that were {@code given} on the command line. */
    ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
        TaskConfig t = c.task();
        if (given.test("--family") || given.test("--family-parameter")) {
            t = t.withFamily(given.test("--family") ? family : t.family(), familyParameter);
        }
        t = given.test("--class-separation") ? t.withClassSeparation(classSeparation) : t;
        t = given.test("--d") ? t.withD(d) : t;
        t = given.test("--n") ? t.withN(n) : t;
        if (given.test("--inputs") || given.test("--input-scale")) {
            t = t.withInputs(given.test("--inputs") ? inputs : t.inputs(),
                    given.test("--input-scale") ? inputScale : t.inputScale());
        }
        t = given.test("--noise") ? t.withNoise(noise) : t;
        return new ExperimentConfig(t, c.model(), c.train(), c.eval());
    }
}
