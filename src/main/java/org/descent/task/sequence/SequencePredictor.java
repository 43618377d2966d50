package org.descent.task.sequence;

/**
 * A next-token predictor of sequences: the contract shared by the trained linear causal self-attention, its weight
 * constructions and the exact oracles, so that they can be checked against each other position by position.
 */
public interface SequencePredictor {

    /** A short name for reports. */
    String name();

    /**
     * The prediction of {@code x_{t+1}} at every position t = 1..T of every sequence, from the tokens
     * {@code x_1..x_t} only: {@code [B][T][d]}, position t at index t − 1.
     */
    double[][][] predict(SequenceSet sequences);
}
