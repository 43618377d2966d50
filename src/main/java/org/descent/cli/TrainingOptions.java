package org.descent.cli;

import java.util.function.Predicate;
import org.descent.experiment.ExperimentConfig;
import org.descent.train.Curriculum;
import org.descent.train.TrainConfig;
import picocli.CommandLine.Option;

/** How long a training run is and which checkpoints it keeps. Defaults come from {@link ExperimentDefaults}. */
final class TrainingOptions {
    @Option(names = "--steps", paramLabel = "K", description = "Training steps (default: ${DEFAULT-VALUE}).")
    Integer steps;

    @Option(names = "--checkpoint-every", paramLabel = "K",
            description = "Also publish a checkpoint every K steps; 0 = only the final one (default: ${DEFAULT-VALUE}).")
    Integer checkpointEvery;

    @Option(names = "--curriculum", paramLabel = "SPEC",
            description = "GPT-2 only: Garg et al.'s curriculum, dims=start:end:increment:interval and/or "
                    + "points=start:end:increment:interval, e.g. dims=2:5:1:2000,points=6:11:1:2000 (active input "
                    + "dimensions and context pairs at step s: min(end, start + increment * floor(s / interval)); "
                    + "default: none).")
    String curriculum;

    ExperimentConfig apply(ExperimentConfig c, Predicate<String> given) {
        TrainConfig t = c.train();
        if (given.test("--curriculum")) {
            t = t.withCurriculum(Curriculum.parse(curriculum));
        }
        if (t.curriculum() != null) {
            if (!c.model().isGpt2()) {
                throw new IllegalArgumentException("--curriculum applies to --arch gpt2, not to the LSA");
            }
            t.curriculum().check(c.task());
        }
        t = new TrainConfig(given.test("--steps") ? steps : t.steps(), t.batchSize(), t.lr(), t.beta1(), t.beta2(),
                t.epsilon(), t.clipNorm(), t.schedule(), t.warmupSteps(), t.minLrFraction(), t.seed(),
                given.test("--checkpoint-every") ? checkpointEvery : t.checkpointEvery(), t.curriculum());
        return new ExperimentConfig(c.task(), c.model(), t, c.eval());
    }
}
