package org.descent.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * A fixed set of prompts held in double precision on the Java heap: the common input of every
 * {@link org.descent.regressor.InContextRegressor} and of the EJML oracles.
 *
 * <p>Dimension glossary: {@code B = size()} prompts, {@code N = n()} context examples, {@code d} input
 * dimension, {@code D = d + 1} token width, {@code T = N + 1} tokens per prompt.
 *
 * <p>Layout (row-major, flat): {@code tokens[B, T, D]} per the token contract (context rows {@code [x_i, y_i]},
 * query row {@code [x_q, 0]}); {@code targets[B]} the query's true label.
 */
public final class PromptSet {
    private final int d;
    private final int n;
    private final int size;
    private final double[] tokens; // [B, T, D]
    private final double[] targets; // [B]

    public PromptSet(int d, int n, double[] tokens, double[] targets) {
        if (d <= 0 || n <= 0) {
            throw new IllegalArgumentException("prompt set: d and n must be positive, got d=" + d + " n=" + n);
        }
        int perPrompt = (n + 1) * (d + 1);
        if (tokens.length % perPrompt != 0 || tokens.length / perPrompt != targets.length) {
            throw new IllegalArgumentException("prompt set: tokens of length " + tokens.length
                    + " do not hold " + targets.length + " prompts of shape [" + (n + 1) + ", " + (d + 1) + "]");
        }
        for (int b = 0; b < targets.length; b++) {
            if (tokens[b * perPrompt + n * (d + 1) + d] != 0.0) {
                throw new IllegalArgumentException("prompt set: the query token of prompt " + b
                        + " has a non-zero label slot; the token contract requires [x_q, 0]");
            }
        }
        this.d = d;
        this.n = n;
        this.size = targets.length;
        this.tokens = tokens;
        this.targets = targets;
    }

    /** Copies a DJL token batch {@code [B, N+1, D]} and its targets {@code [B]} to double precision. */
    public static PromptSet of(NDArray tokens, NDArray targets) {
        Shape s = tokens.getShape();
        if (s.dimension() != 3 || s.get(2) < 2 || s.get(1) < 2) {
            throw new IllegalArgumentException("prompt set: tokens must have shape [B, N+1, D] with N >= 1, D >= 2,"
                    + " got " + s);
        }
        if (targets.getShape().dimension() != 1 || targets.getShape().get(0) != s.get(0)) {
            throw new IllegalArgumentException("prompt set: targets must have shape [" + s.get(0) + "], got "
                    + targets.getShape());
        }
        return new PromptSet((int) s.get(2) - 1, (int) s.get(1) - 1,
                tokens.toType(DataType.FLOAT64, false).toDoubleArray(),
                targets.toType(DataType.FLOAT64, false).toDoubleArray());
    }

    public int d() {
        return d;
    }

    public int n() {
        return n;
    }

    public int size() {
        return size;
    }

    /** Token width D = d + 1. */
    public int tokenDim() {
        return d + 1;
    }

    /** Coordinate k of context input x_i of prompt b. */
    public double x(int b, int i, int k) {
        return tokens[(b * (n + 1) + i) * (d + 1) + k];
    }

    /** Label y_i of context example i of prompt b. */
    public double y(int b, int i) {
        return tokens[(b * (n + 1) + i) * (d + 1) + d];
    }

    /** Coordinate k of the query input x_q of prompt b. */
    public double xq(int b, int k) {
        return tokens[(b * (n + 1) + n) * (d + 1) + k];
    }

    /** Context inputs X of prompt b as a fresh {@code [N][d]} array. */
    public double[][] contextInputs(int b) {
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(tokens, (b * (n + 1) + i) * (d + 1), x[i], 0, d);
        }
        return x;
    }

    /** Context labels y of prompt b as a fresh {@code [N]} array. */
    public double[] contextLabels(int b) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = y(b, i);
        }
        return y;
    }

    /** Query input x_q of prompt b as a fresh {@code [d]} array. */
    public double[] query(int b) {
        return Arrays.copyOfRange(tokens, (b * (n + 1) + n) * (d + 1), (b * (n + 1) + n) * (d + 1) + d);
    }

    public double target(int b) {
        return targets[b];
    }

    /** A defensive copy of the targets {@code [B]}. */
    public double[] targets() {
        return targets.clone();
    }

    /**
     * The label of the input each prefix predicts, row-major {@code [B, N+1]}: entry {@code k < N} is {@code y_{k+1}}
     * (the label of context input {@code k}, predicted from the {@code k} pairs before it), entry {@code N} the query's
     * target. These are the targets of every prediction of a layout that predicts every prefix.
     */
    public double[] prefixTargets() {
        double[] out = new double[size * (n + 1)];
        for (int b = 0; b < size; b++) {
            for (int i = 0; i < n; i++) {
                out[b * (n + 1) + i] = y(b, i);
            }
            out[b * (n + 1) + n] = targets[b];
        }
        return out;
    }

    /** A defensive copy of the flat tokens {@code [B * T * D]}. */
    public double[] flatTokens() {
        return tokens.clone();
    }

    /** The first {@code count} prompts. */
    public PromptSet head(int count) {
        if (count <= 0 || count > size) {
            throw new IllegalArgumentException("prompt set: cannot take " + count + " of " + size + " prompts");
        }
        int per = (n + 1) * (d + 1);
        return new PromptSet(d, n, Arrays.copyOf(tokens, count * per), Arrays.copyOf(targets, count));
    }

    /** Prompts {@code [from, to)}. */
    public PromptSet slice(int from, int to) {
        if (from < 0 || to > size || from >= to) {
            throw new IllegalArgumentException("prompt set: bad slice [" + from + ", " + to + ") of " + size);
        }
        int per = (n + 1) * (d + 1);
        return new PromptSet(d, n, Arrays.copyOfRange(tokens, from * per, to * per),
                Arrays.copyOfRange(targets, from, to));
    }

    /**
     * The same prompts keeping only the first {@code k} context examples (the query stays the last token):
     * the prefix prompts used for error-vs-context-length curves.
     */
    public PromptSet prefix(int k) {
        if (k <= 0 || k > n) {
            throw new IllegalArgumentException("prompt set: prefix length must be in 1.." + n + ", got " + k);
        }
        int dd = d + 1;
        double[] out = new double[size * (k + 1) * dd];
        for (int b = 0; b < size; b++) {
            System.arraycopy(tokens, b * (n + 1) * dd, out, b * (k + 1) * dd, k * dd);
            System.arraycopy(tokens, (b * (n + 1) + n) * dd, out, (b * (k + 1) + k) * dd, dd);
        }
        return new PromptSet(d, k, out, targets.clone());
    }

    /** Tokens as an NDArray {@code [B, N+1, D]} of the given type in {@code manager}. */
    public NDArray tokensArray(NDManager manager, DataType type) {
        NDArray a = manager.create(tokens, new Shape(size, n + 1, d + 1));
        return type == DataType.FLOAT64 ? a : a.toType(type, false);
    }

    /** Targets as an NDArray {@code [B]} of the given type in {@code manager}. */
    public NDArray targetsArray(NDManager manager, DataType type) {
        NDArray a = manager.create(targets);
        return type == DataType.FLOAT64 ? a : a.toType(type, false);
    }
}
