package org.descent.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * Which parameters explicit finetuning ({@link Gpt2Finetuning}) updates: the one seam of that axis.
 *
 * <p>Dimension glossary: {@code E} model width; {@code c_attn} holds q | k | v along its output axis, so its weight is
 * {@code [E, 3E]} and its bias {@code [3E]}.
 */
public sealed interface FinetuneScope permits FinetuneScope.KeyValueProjections, FinetuneScope.AllWeights {

    /** A short name for tables and metrics, e.g. {@code "kv"}. */
    String name();

    /** One line for reports. */
    String description();

    /**
     * The 0/1 mask of the entries of parameter {@code name} that finetuning updates, of {@code parameter}'s shape,
     * dtype and device; null when the parameter stays fixed.
     */
    NDArray mask(Gpt2Config config, String name, NDArray parameter);

    /** Dai et al. 2022's finetuning: only the attention key and value projections (weights and biases) of every block. */
    record KeyValueProjections() implements FinetuneScope {
        @Override
        public String name() {
            return "kv";
        }

        @Override
        public String description() {
            return "attention K and V projections only (Dai et al.)";
        }

        @Override
        public NDArray mask(Gpt2Config config, String name, NDArray parameter) {
            if (!name.endsWith("attn.c_attn.weight") && !name.endsWith("attn.c_attn.bias")) {
                return null;
            }
            int e = config.width();
            NDArray m = parameter.zerosLike(); // [E, 3E] or [3E]
            String cols = e + ":" + 3 * e; // k | v
            m.set(new NDIndex(name.endsWith("weight") ? ":, " + cols : cols), 1);
            return m;
        }
    }

    /** Every parameter. */
    record AllWeights() implements FinetuneScope {
        @Override
        public String name() {
            return "all";
        }

        @Override
        public String description() {
            return "all weights";
        }

        @Override
        public NDArray mask(Gpt2Config config, String name, NDArray parameter) {
            return parameter.onesLike();
        }
    }
}
