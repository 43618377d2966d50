package org.descent.cli;

import java.util.function.Predicate;
import org.descent.experiment.ExperimentConfig;
import org.descent.model.ModelConfig;
import picocli.CommandLine.Option;

/** The LSA model to train. Defaults come from {@link ExperimentDefaults}. */
final class ModelOptions {
    @Option(names = "--layers", paramLabel = "L", description = "LSA layers (default: ${DEFAULT-VALUE}).")
    Integer layers;

    @Option(names = "--tied", description = "Weight-tied (recurrent) layers (default: ${DEFAULT-VALUE}).")
    Boolean tied;

    @Option(names = "--init-scale", paramLabel = "STD",
            description = "Init std of every weight (default: ${DEFAULT-VALUE}).")
    Double initScale;

    ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
        ModelConfig m = c.model();
        m = new ModelConfig(given.test("--layers") ? layers : m.layers(), given.test("--tied") ? tied : m.weightTied(),
                given.test("--init-scale") ? initScale : m.initScale());
        return new ExperimentConfig(c.task(), m, c.train(), c.eval());
    }
}
