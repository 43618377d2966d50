package org.descent.task;

import ai.djl.ndarray.NDManager;

/**
 * Draws prompts of an in-context task. Implementations differ in how inputs and responses are drawn; every one
 * produces tokens in the same layout (see {@link PromptBatch}).
 *
 * <p>Sampling is a pure function of {@code (task, batch size, seed)} on a given device: the engine's random
 * generator is re-seeded from {@code seed} on every call.
 */
public interface TaskSampler {

    TaskConfig task();

    /**
     * Draws {@code batchSize} prompts into {@code manager} as float32.
     *
     * @param manager owner of the returned arrays (and their device)
     * @param batchSize B, positive
     * @param seed the seed of this batch
     * @return tokens {@code [B, N+1, D]} and targets {@code [B]}
     */
    PromptBatch sample(NDManager manager, int batchSize, long seed);

    /** Draws {@code count} prompts and copies them to double precision, in chunks to bound memory. */
    default PromptSet samplePromptSet(NDManager manager, int count, long seed) {
        if (count <= 0) {
            throw new IllegalArgumentException("prompt count must be positive, got " + count);
        }
        TaskConfig t = task();
        int per = t.tokens() * t.tokenDim();
        double[] tokens = new double[count * per];
        double[] targets = new double[count];
        int chunk = 8192;
        for (int start = 0, c = 0; start < count; start += chunk, c++) {
            int size = Math.min(chunk, count - start);
            try (NDManager sub = manager.newSubManager()) {
                PromptSet part = sample(sub, size, Seeds.derive(seed, 0, c)).toPromptSet();
                System.arraycopy(part.flatTokens(), 0, tokens, start * per, size * per);
                System.arraycopy(part.targets(), 0, targets, start, size);
            }
        }
        return new PromptSet(t.d(), t.n(), tokens, targets);
    }
}
