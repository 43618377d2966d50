package org.descent.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.descent.task.PromptSet;
import org.descent.task.layout.PromptLayout;

/**
 * A looped GPT-2 in-context regressor ({@link LoopedGpt2}) with trained backbone weights, evaluated in float64 (or
 * float32) on the device of {@code manager}: the predictions after every prefix, read out after every iteration, for
 * any number of iterations (beyond the trained b to test extrapolation).
 *
 * <p>Dimension glossary: {@code B} prompts, {@code N} context pairs, {@code T} tokens of the layout, {@code E} model
 * width, {@code t} an iteration.
 */
public final class LoopedGpt2Regressor {
    private static final int MAX_CHUNK = 512;
    private final String name;
    private final LoopedGpt2Config config;
    private final Gpt2Weights weights;
    private final PromptLayout layout;
    private final NDManager manager;
    private final DataType type;

    /**
     * @param weights the backbone's parameters ({@code weights.config()} is {@code config.backbone()})
     * @param layout an every-prefix layout (interleaved) whose token width is the backbone's input width
     * @param type {@link DataType#FLOAT64} or {@link DataType#FLOAT32}
     */
    public LoopedGpt2Regressor(String name, LoopedGpt2Config config, Gpt2Weights weights, PromptLayout layout,
            NDManager manager, DataType type) {
        if (!weights.config().equals(config.backbone())) {
            throw new IllegalArgumentException(name + ": the weights are of " + weights.config()
                    + ", the backbone is " + config.backbone());
        }
        if (!layout.predictsEveryPrefix()) {
            throw new IllegalArgumentException(name + ": needs a layout that predicts every prefix, not "
                    + layout.name());
        }
        if (type != DataType.FLOAT64 && type != DataType.FLOAT32) {
            throw new IllegalArgumentException(name + ": evaluates in float32 or float64, not " + type);
        }
        this.name = name;
        this.config = config;
        this.weights = weights;
        this.layout = layout;
        this.manager = manager;
        this.type = type;
    }

    public String name() {
        return name;
    }

    public LoopedGpt2Config config() {
        return config;
    }

    public Gpt2Weights weights() {
        return weights;
    }

    /**
     * The prefix predictions after iterations 1..{@code loops}: {@code out[t−1]} is {@code [B, N+1]} row-major, entry
     * {@code (i, k)} the prediction of prompt i's (k+1)-th label from its first k pairs (k = N: the query).
     */
    public double[][] prefixPredictions(PromptSet prompts, int loops, LoopInjection injection) {
        Gpt2Config c = config.backbone();
        if (layout.width(prompts.d()) != c.inputWidth() || layout.length(prompts.n()) > c.positions()) {
            throw new IllegalArgumentException(name + ": prompts of d=" + prompts.d() + ", N=" + prompts.n()
                    + " do not fit the backbone " + c);
        }
        int n = prompts.n();
        int[] positions = layout.predictionPositions(n);
        double[][] out = new double[loops][prompts.size() * (n + 1)];
        for (int start = 0; start < prompts.size(); start += MAX_CHUNK) {
            int end = Math.min(prompts.size(), start + MAX_CHUNK);
            try (NDManager scope = manager.newSubManager()) {
                PromptSet chunk = prompts.slice(start, end);
                NDArray tokens = scope.create(layout.encode(chunk),
                        new Shape(chunk.size(), layout.length(n), layout.width(chunk.d()))); // [b, T, W]
                if (type != DataType.FLOAT64) {
                    tokens = tokens.toType(type, false);
                }
                List<NDArray> outputs = LoopedGpt2.outputs(config, weights.toArrays(scope, type), tokens, loops, 1,
                        1, injection); // loops × [b, T]
                NDArray at = scope.create(java.util.Arrays.stream(positions).asLongStream().toArray());
                for (int t = 0; t < loops; t++) {
                    double[] p = outputs.get(t).get(new NDIndex(":, {}", at)).toType(DataType.FLOAT64, false)
                            .toDoubleArray(); // [b, N+1]
                    System.arraycopy(p, 0, out[t], start * (n + 1), p.length);
                }
            }
        }
        return out;
    }
}
