package org.descent.experiment.reproduce;

/**
 * A one-command reproduction of a published claim: trains what it needs for each seed, measures the headline
 * numbers against exact theory, and contributes detail sections to the report.
 */
public interface Preset {

    /** The name used on the command line, e.g. {@code von-oswald-single-layer}. */
    String name();

    /**
     * Rough wall-clock seconds of one seed on 2 unloaded cores (the budget column of the README's table); sweeps
     * plan with it.
     */
    double secondsPerSeed();

    /** The paper, e.g. "von Oswald et al. 2023, Transformers learn in-context by gradient descent". */
    String paper();

    /** The claim under test, in one paragraph. */
    String claim();

    /** The loss the report's closing note names (its numbers use this loss unless they say otherwise). */
    default String lossNote() {
        return "Loss everywhere: plain MSE mean((ŷ − y)²), no ½.";
    }

    /** Runs the reproduction for every seed of {@code run}. */
    PresetResult run(PresetRun run);
}
