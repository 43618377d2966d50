package org.descent.train;

/**
 * Optimisation settings for training an LSA with Adam on fresh prompt batches.
 *
 * @param steps optimiser steps, positive
 * @param batchSize prompts per step, positive
 * @param lr peak learning rate, positive
 * @param beta1 Adam β₁ in [0, 1)
 * @param beta2 Adam β₂ in [0, 1)
 * @param epsilon Adam ε, positive
 * @param clipNorm global gradient-norm clip; 0 disables
 * @param schedule {@code "constant"} or {@code "cosine"} (cosine decay from lr to {@code lr · minLrFraction})
 * @param warmupSteps linear warm-up steps at the start, at least 0
 * @param minLrFraction final learning rate of the cosine schedule as a fraction of lr, in [0, 1]
 * @param seed run seed: batches, initialisation and evaluation prompts derive from it
 * @param checkpointEvery write an intermediate checkpoint every this many steps; 0 writes only the final one
 * @param curriculum Garg et al.'s curriculum over input dimensions and context points (GPT-2 only), or null for none
 *     (left out of the JSON then)
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record TrainConfig(int steps, int batchSize, double lr, double beta1, double beta2, double epsilon,
        double clipNorm, String schedule, int warmupSteps, double minLrFraction, long seed, int checkpointEvery,
        Curriculum curriculum) {

    public static final String CONSTANT = "constant";
    public static final String COSINE = "cosine";

    public TrainConfig {
        if (steps <= 0) {
            throw new IllegalArgumentException("train: steps must be a positive integer, got " + steps);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("train: batch size must be a positive integer, got " + batchSize);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("train: learning rate must be a positive finite number, got " + lr);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("train: Adam betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("train: Adam epsilon must be positive, got " + epsilon);
        }
        if (!(clipNorm >= 0)) {
            throw new IllegalArgumentException("train: clipNorm must be >= 0 (0 disables clipping), got " + clipNorm);
        }
        if (schedule == null) {
            schedule = CONSTANT;
        }
        if (!schedule.equals(CONSTANT) && !schedule.equals(COSINE)) {
            throw new IllegalArgumentException("train: schedule must be \"constant\" or \"cosine\", got \""
                    + schedule + "\"");
        }
        if (warmupSteps < 0 || warmupSteps >= steps) {
            throw new IllegalArgumentException("train: warmupSteps must be in [0, steps), got " + warmupSteps);
        }
        if (!(minLrFraction >= 0 && minLrFraction <= 1)) {
            throw new IllegalArgumentException("train: minLrFraction must be in [0, 1], got " + minLrFraction);
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("train: checkpointEvery must be >= 0, got " + checkpointEvery);
        }
    }

    /** Without a curriculum. */
    public TrainConfig(int steps, int batchSize, double lr, double beta1, double beta2, double epsilon,
            double clipNorm, String schedule, int warmupSteps, double minLrFraction, long seed, int checkpointEvery) {
        this(steps, batchSize, lr, beta1, beta2, epsilon, clipNorm, schedule, warmupSteps, minLrFraction, seed,
                checkpointEvery, null);
    }

    /** Adam, lr 1e-3, batch 2048 (von Oswald et al.), cosine decay, seed 0. */
    public static TrainConfig defaults() {
        return new TrainConfig(4000, 2048, 1e-3, 0.9, 0.999, 1e-8, 10.0, COSINE, 0, 0.0, 0L, 0);
    }

    public TrainConfig withSteps(int s) {
        return new TrainConfig(s, batchSize, lr, beta1, beta2, epsilon, clipNorm, schedule, warmupSteps,
                minLrFraction, seed, checkpointEvery, curriculum);
    }

    public TrainConfig withBatch(int b) {
        return new TrainConfig(steps, b, lr, beta1, beta2, epsilon, clipNorm, schedule, warmupSteps, minLrFraction,
                seed, checkpointEvery, curriculum);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(steps, batchSize, lr, beta1, beta2, epsilon, clipNorm, schedule, warmupSteps,
                minLrFraction, s, checkpointEvery, curriculum);
    }

    public TrainConfig withCurriculum(Curriculum c) {
        return new TrainConfig(steps, batchSize, lr, beta1, beta2, epsilon, clipNorm, schedule, warmupSteps,
                minLrFraction, seed, checkpointEvery, c);
    }

    /** The learning rate used at step {@code step} (0-based). */
    public double learningRate(int step) {
        if (step < warmupSteps) {
            return lr * (step + 1) / warmupSteps;
        }
        if (schedule.equals(CONSTANT)) {
            return lr;
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, steps - warmupSteps);
        double min = lr * minLrFraction;
        // StrictMath, not Math: identical bits whether this code is interpreted or JIT-compiled (reproducibility)
        return min + 0.5 * (lr - min) * (1 + StrictMath.cos(Math.PI * progress));
    }
}
