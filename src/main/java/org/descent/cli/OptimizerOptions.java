package org.descent.cli;

import java.util.function.Predicate;
import org.descent.experiment.ExperimentConfig;
import org.descent.train.TrainConfig;
import picocli.CommandLine.Option;

/** How each training step is made (Adam). Defaults come from {@link ExperimentDefaults}. */
final class OptimizerOptions {
    @Option(names = "--batch", paramLabel = "B", description = "Prompts per training step (default: ${DEFAULT-VALUE}).")
    Integer batch;

    @Option(names = "--lr", paramLabel = "LR", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    Double lr;

    @Option(names = "--schedule", paramLabel = "constant|cosine",
            description = "Learning-rate schedule (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--warmup", paramLabel = "K", description = "Linear warm-up steps (default: ${DEFAULT-VALUE}).")
    Integer warmup;

    @Option(names = "--clip-norm", paramLabel = "C",
            description = "Global gradient-norm clip, 0 = off (default: ${DEFAULT-VALUE}).")
    Double clipNorm;

    ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
        TrainConfig t = c.train();
        t = new TrainConfig(t.steps(), given.test("--batch") ? batch : t.batchSize(), given.test("--lr") ? lr : t.lr(),
                t.beta1(), t.beta2(), t.epsilon(), given.test("--clip-norm") ? clipNorm : t.clipNorm(),
                given.test("--schedule") ? schedule : t.schedule(), given.test("--warmup") ? warmup : t.warmupSteps(),
                t.minLrFraction(), t.seed(), t.checkpointEvery(), t.curriculum());
        return new ExperimentConfig(c.task(), c.model(), t, c.eval());
    }
}
