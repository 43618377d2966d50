package org.descent.cli;

import java.util.function.Predicate;
import org.descent.experiment.ExperimentConfig;
import org.descent.train.TrainConfig;
import picocli.CommandLine.Option;

/** How long a training run is and which checkpoints it keeps. Defaults come from {@link ExperimentDefaults}. */
final class TrainingOptions {
    @Option(names = "--steps", paramLabel = "K", description = "Training steps (default: ${DEFAULT-VALUE}).")
    Integer steps;

    @Option(names = "--checkpoint-every", paramLabel = "K",
            description = "Also publish a checkpoint every K steps; 0 = only the final one (default: ${DEFAULT-VALUE}).")
    Integer checkpointEvery;

    ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
        TrainConfig t = c.train();
        t = new TrainConfig(given.test("--steps") ? steps : t.steps(), t.batchSize(), t.lr(), t.beta1(), t.beta2(),
                t.epsilon(), t.clipNorm(), t.schedule(), t.warmupSteps(), t.minLrFraction(), t.seed(),
                given.test("--checkpoint-every") ? checkpointEvery : t.checkpointEvery());
        return new ExperimentConfig(c.task(), c.model(), t, c.eval());
    }
}
