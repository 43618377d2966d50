package org.descent.model.gpt2;

/**
 * Architecture of a GPT-2-style in-context regressor (Garg et al. 2022's {@code TransformerModel}): a linear read-in
 * from the prompt layout's token width to the model width, a GPT-2 backbone (learned positions, pre-LayerNorm blocks
 * of causal softmax multi-head attention and a {@code gelu_new} MLP of width {@code 4E}, a final LayerNorm) and a
 * linear read-out to one number per token.
 *
 * @param layers number of blocks L, at least 1
 * @param heads attention heads H, dividing {@code width}
 * @param width model width E ({@code n_embd})
 * @param positions learned positions P ({@code n_positions}): the longest token sequence the model reads
 * @param inputWidth W, the token width of the prompt layout (d for Garg's interleaved layout)
 * @param layerNormEps the LayerNorms' ε (GPT-2: 1e-5)
 */
public record Gpt2Config(int layers, int heads, int width, int positions, int inputWidth, double layerNormEps) {
    /** GPT-2's LayerNorm ε. */
    public static final double LAYER_NORM_EPS = 1e-5;

    public Gpt2Config {
        if (layers < 1) {
            throw new IllegalArgumentException("gpt2: layers must be at least 1, got " + layers);
        }
        if (heads < 1 || width < 1 || width % heads != 0) {
            throw new IllegalArgumentException("gpt2: the width must be a positive multiple of the number of heads,"
                    + " got width " + width + " and " + heads + " heads");
        }
        if (positions < 1) {
            throw new IllegalArgumentException("gpt2: positions must be at least 1, got " + positions);
        }
        if (inputWidth < 1) {
            throw new IllegalArgumentException("gpt2: the input token width must be at least 1, got " + inputWidth);
        }
        if (!(layerNormEps > 0) || Double.isInfinite(layerNormEps)) {
            throw new IllegalArgumentException("gpt2: the LayerNorm epsilon must be positive, got " + layerNormEps);
        }
    }

    /** A config with GPT-2's LayerNorm ε. */
    public Gpt2Config(int layers, int heads, int width, int positions, int inputWidth) {
        this(layers, heads, width, positions, inputWidth, LAYER_NORM_EPS);
    }

    /** Width of one head, {@code E / H}. */
    public int headWidth() {
        return width / heads;
    }

    /** Number of trainable parameters. */
    public long parameterCount() {
        long e = width;
        long perBlock = 4 * e + (e * 3 * e + 3 * e) + (e * e + e) + (e * 4 * e + 4 * e) + (4 * e * e + e);
        return (e * inputWidth + e) + (long) positions * e + layers * perBlock + 2 * e + (e + 1);
    }
}
