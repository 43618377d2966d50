package org.descent.model.gpt2;

/**
 * Architecture of a looped GPT-2 in-context regressor (Yang, Lee, Nowak, Papailiopoulos 2023, "Looped Transformers are
 * Better at Learning Learning Algorithms"): one weight-tied GPT-2 backbone of {@code backbone.layers()} blocks applied
 * {@code loops} times with input injection ({@link LoopedGpt2}), trained on the mean of the loss of the read-outs
 * after the last {@code window} iterations.
 *
 * @param backbone the backbone run in every iteration (its {@code layers} are the blocks per iteration; the paper
 *     uses 1); its parameters, under GPT-2's names, are all the looped model has
 * @param loops b, the iterations the model is trained with, at least 1
 * @param window T, the trained iterations b−T+1..b whose read-outs enter the loss (the first b−T run without
 *     gradient), 1 ≤ T ≤ b
 */
public record LoopedGpt2Config(Gpt2Config backbone, int loops, int window) {

    public LoopedGpt2Config {
        if (backbone == null) {
            throw new IllegalArgumentException("looped gpt2: backbone is required");
        }
        if (loops < 1) {
            throw new IllegalArgumentException("looped gpt2: loops must be at least 1, got " + loops);
        }
        if (window < 1 || window > loops) {
            throw new IllegalArgumentException("looped gpt2: window must be in 1.." + loops + " (loops), got "
                    + window);
        }
    }

    /** The first iteration whose read-out enters the loss, b−T+1 (iterations count from 1). */
    public int firstTrainedLoop() {
        return loops - window + 1;
    }

    /** Number of trainable parameters (the backbone's: the loops share them). */
    public long parameterCount() {
        return backbone.parameterCount();
    }
}
