package org.descent.cli;

import java.nio.file.Path;
import org.descent.experiment.EvalConfig;
import org.descent.experiment.ExperimentConfig;
import org.descent.model.ModelConfig;
import org.descent.task.TaskConfig;
import org.descent.train.TrainConfig;
import picocli.CommandLine.Option;

/**
 * Options that define an experiment. Precedence: command-line option, then {@code --config} file, then defaults.
 */
public final class ExperimentOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON experiment config (keys task, model, train, eval); unknown keys are errors.")
    Path config;

    @Option(names = "--d", paramLabel = "D", description = "Input dimension d (default 10).")
    Integer d;

    @Option(names = "--n", paramLabel = "N", description = "Context examples per prompt N (default 10).")
    Integer n;

    @Option(names = "--inputs", paramLabel = "uniform|gaussian", description = "Input distribution (default uniform).")
    String inputs;

    @Option(names = "--input-scale", paramLabel = "A",
            description = "Half-width of U(-A, A) or std of N(0, A²I) (default 1).")
    Double inputScale;

    @Option(names = "--noise", paramLabel = "SIGMA", description = "Label noise std σ (default 0).")
    Double noise;

    @Option(names = "--layers", paramLabel = "L", description = "LSA layers (default 1).")
    Integer layers;

    @Option(names = "--tied", description = "Weight-tied (recurrent) layers.")
    Boolean tied;

    @Option(names = "--init-scale", paramLabel = "STD", description = "Init std of every weight (default 0.1).")
    Double initScale;

    @Option(names = "--steps", paramLabel = "K", description = "Training steps.")
    Integer steps;

    @Option(names = "--batch", paramLabel = "B", description = "Prompts per training step (default 2048).")
    Integer batch;

    @Option(names = "--lr", paramLabel = "LR", description = "Adam learning rate (default 1e-3).")
    Double lr;

    @Option(names = "--schedule", paramLabel = "constant|cosine", description = "Learning-rate schedule.")
    String schedule;

    @Option(names = "--warmup", paramLabel = "K", description = "Linear warm-up steps (default 0).")
    Integer warmup;

    @Option(names = "--clip-norm", paramLabel = "C", description = "Global gradient-norm clip, 0 = off (default 10).")
    Double clipNorm;

    @Option(names = "--seed", paramLabel = "S", description = "Run seed (default 0).")
    Long seed;

    @Option(names = "--checkpoint-every", paramLabel = "K", description = "Intermediate checkpoint every K steps.")
    Integer checkpointEvery;

    @Option(names = "--test-prompts", paramLabel = "B", description = "Fresh test prompts (default 10000).")
    Integer testPrompts;

    /** The experiment these options describe. */
    ExperimentConfig resolve() {
        return resolve(config != null ? ExperimentConfig.load(config) : ExperimentConfig.defaults());
    }

    /** These options applied over {@code base} (a config file, if given, replaces {@code base}). */
    ExperimentConfig resolve(ExperimentConfig base) {
        if (config != null) {
            base = ExperimentConfig.load(config);
        }
        TaskConfig t = base.task();
        t = d != null ? t.withD(d) : t;
        t = n != null ? t.withN(n) : t;
        t = inputs != null || inputScale != null ? t.withInputs(or(inputs, t.inputs()), or(inputScale, t.inputScale()))
                : t;
        t = noise != null ? t.withNoise(noise) : t;
        ModelConfig m = base.model();
        m = new ModelConfig(or(layers, m.layers()), or(tied, m.weightTied()), or(initScale, m.initScale()));
        TrainConfig tr = base.train();
        tr = new TrainConfig(or(steps, tr.steps()), or(batch, tr.batchSize()), or(lr, tr.lr()), tr.beta1(),
                tr.beta2(), tr.epsilon(), or(clipNorm, tr.clipNorm()), or(schedule, tr.schedule()),
                or(warmup, tr.warmupSteps()), tr.minLrFraction(), or(seed, tr.seed()),
                or(checkpointEvery, tr.checkpointEvery()));
        EvalConfig e = base.eval();
        e = new EvalConfig(or(testPrompts, e.testPrompts()), e.searchPrompts());
        return new ExperimentConfig(t, m, tr, e);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
