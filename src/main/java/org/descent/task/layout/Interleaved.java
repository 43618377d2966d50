package org.descent.task.layout;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.descent.task.PromptSet;

/**
 * The interleaved layouts of causal transformers: one token per input, one per label,
 * {@code x_1, y_1, x_2, y_2, …, x_N, y_N, x_q}, so {@code T = 2N + 1}. The prediction after {@code k} pairs is the
 * model's output at input token {@code 2k} (it sees {@code x_{k+1}} and the pairs before it), so one pass predicts
 * every prefix {@code k = 0..N}.
 *
 * <ul>
 *   <li>{@code interleaved} (Garg et al. 2022): {@code W = d}; input token {@code x_i}, label token
 *       {@code [y_i, 0, …, 0]}.</li>
 *   <li>{@code interleaved-akyurek} (Akyürek et al. 2022): {@code W = d + 1}; input token {@code [0, x_i]}, label
 *       token {@code [y_i, 0, …, 0]}.</li>
 * </ul>
 *
 * @param name the layout's name
 * @param inputOffset where {@code x} starts in an input token (0 for Garg, 1 for Akyürek)
 */
public record Interleaved(String name, int inputOffset) implements PromptLayout {
    public static final String GARG = "interleaved";
    public static final String AKYUREK = "interleaved-akyurek";

    public Interleaved {
        if (inputOffset != 0 && inputOffset != 1) {
            throw new IllegalArgumentException("interleaved layout: the input offset is 0 or 1, got " + inputOffset);
        }
    }

    /** Garg et al.: {@code x_i}, {@code [y_i, 0…]}. */
    public static Interleaved garg() {
        return new Interleaved(GARG, 0);
    }

    /** Akyürek et al.: {@code [0, x_i]}, {@code [y_i, 0…]}. */
    public static Interleaved akyurek() {
        return new Interleaved(AKYUREK, 1);
    }

    @Override
    public int width(int d) {
        return d + inputOffset;
    }

    @Override
    public int length(int n) {
        return 2 * n + 1;
    }

    @Override
    public boolean predictsEveryPrefix() {
        return true;
    }

    @Override
    public int predictionPosition(int n, int k) {
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("prefix length must be in 0.." + n + ", got " + k);
        }
        return 2 * k;
    }

    @Override
    public double[] encode(PromptSet prompts) {
        int d = prompts.d();
        int n = prompts.n();
        int w = width(d);
        int t = length(n);
        double[] out = new double[prompts.size() * t * w];
        for (int b = 0; b < prompts.size(); b++) {
            int base = b * t * w;
            for (int i = 0; i <= n; i++) {
                int xAt = base + 2 * i * w + inputOffset;
                for (int c = 0; c < d; c++) {
                    out[xAt + c] = i < n ? prompts.x(b, i, c) : prompts.xq(b, c);
                }
                if (i < n) {
                    out[base + (2 * i + 1) * w] = prompts.y(b, i);
                }
            }
        }
        return out;
    }

    @Override
    public NDArray encode(NDArray tokens) {
        Shape s = tokens.getShape(); // [B, N+1, d+1]
        long batch = s.get(0);
        long rows = s.get(1);
        long d = s.get(2) - 1;
        NDArray x = tokens.get(new NDIndex(":, :, :" + d)); // [B, N+1, d]
        NDArray y = tokens.get(new NDIndex(":, :, " + d + ":")); // [B, N+1, 1] (query row's label slot is 0)
        NDArray inputs = inputOffset == 0 ? x : NDArrays.concat(new NDList(y.zerosLike(), x), 2); // [B, N+1, W]
        NDArray labels = d + inputOffset == 1 ? y
                : NDArrays.concat(new NDList(y, y.zerosLike().repeat(2, d + inputOffset - 1)), 2); // [B, N+1, W]
        NDArray both = NDArrays.stack(new NDList(inputs, labels), 2); // [B, N+1, 2, W]
        return both.reshape(batch, 2 * rows, d + inputOffset).get(new NDIndex(":, :-1, :")); // [B, 2N+1, W]
    }
}
