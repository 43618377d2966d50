package org.descent.task.sequence;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.descent.task.PromptBatch;
import org.descent.util.EngineArrays;

/**
 * Sampled sequences in double precision, with the transition matrix each was drawn with.
 *
 * <p>Dimensions: B sequences, T = {@code length} tokens a model sees, d = token dimension; each sequence stores
 * T + 1 tokens (x_1..x_{T+1}: the last is only a target).
 *
 * @param d token dimension
 * @param length T
 * @param tokens row-major {@code [B, T+1, d]}
 * @param transitions row-major {@code [B, d, d]}
 */
public record SequenceSet(int d, int length, double[] tokens, double[] transitions) {

    public SequenceSet {
        int stride = (length + 1) * d;
        if (tokens.length % stride != 0) {
            throw new IllegalArgumentException("sequence set: tokens length " + tokens.length
                    + " is not a multiple of (T+1)·d = " + stride);
        }
        if (transitions.length != tokens.length / stride * d * d) {
            throw new IllegalArgumentException("sequence set: need one d×d transition per sequence");
        }
    }

    /** B. */
    public int count() {
        return tokens.length / ((length + 1) * d);
    }

    /** Token {@code x_t} (t = 1..T+1) of sequence b. */
    public double[] token(int b, int t) {
        double[] x = new double[d];
        System.arraycopy(tokens, (b * (length + 1) + t - 1) * d, x, 0, d);
        return x;
    }

    /** Coordinate j of token {@code x_t} (t = 1..T+1) of sequence b. */
    public double at(int b, int t, int j) {
        return tokens[(b * (length + 1) + t - 1) * d + j];
    }

    /** The transition matrix of sequence b, row-major {@code [d, d]}. */
    public double[] transition(int b) {
        double[] w = new double[d * d];
        System.arraycopy(transitions, b * d * d, w, 0, d * d);
        return w;
    }

    /** The target at every position, {@code x_{t+1}} for t = 1..T: {@code [B][T][d]} (position t at index t − 1). */
    public double[][][] nextTokenArrays() {
        double[][][] out = new double[count()][length][];
        for (int b = 0; b < out.length; b++) {
            for (int t = 1; t <= length; t++) {
                out[b][t - 1] = token(b, t + 1);
            }
        }
        return out;
    }

    /** Sequences {@code from..to-1}. */
    public SequenceSet slice(int from, int to) {
        int stride = (length + 1) * d;
        double[] t = java.util.Arrays.copyOfRange(tokens, from * stride, to * stride);
        double[] w = java.util.Arrays.copyOfRange(transitions, from * d * d, to * d * d);
        return new SequenceSet(d, length, t, w);
    }

    /** The model's inputs {@code x_1..x_T} as float32 {@code [B, T, d]} in {@code manager}. */
    public NDArray inputs(NDManager manager) {
        return part(manager, 0);
    }

    /** The next tokens {@code x_2..x_{T+1}} (the target at every position) as float32 {@code [B, T, d]}. */
    public NDArray nextTokens(NDManager manager) {
        return part(manager, 1);
    }

    private NDArray part(NDManager manager, int shift) {
        int b = count();
        float[] out = new float[b * length * d];
        for (int s = 0; s < b; s++) {
            for (int t = 0; t < length; t++) {
                int src = (s * (length + 1) + t + shift) * d;
                int dst = (s * length + t) * d;
                for (int j = 0; j < d; j++) {
                    out[dst + j] = (float) tokens[src + j];
                }
            }
        }
        return EngineArrays.copyOf(manager, out, new Shape(b, length, d));
    }

    /**
     * The training batch carrier {@link PromptBatch} reused for sequences (the trainer only hands it to the model's
     * loss): {@code tokens} = the inputs {@code [B, T, d]}, {@code targets} = the next tokens {@code [B, T, d]}.
     */
    public PromptBatch toBatch(NDManager manager) {
        return new PromptBatch(inputs(manager), nextTokens(manager));
    }
}
