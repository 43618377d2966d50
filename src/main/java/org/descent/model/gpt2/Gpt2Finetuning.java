package org.descent.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.descent.regressor.Autograd;
import org.descent.task.layout.PromptLayout;

/**
 * Explicit finetuning of a GPT-2 regressor on a handful of examples, as Dai et al. 2022 finetune on the
 * demonstrations of a prompt: plain SGD, one example per step, one epoch in the given order, on the squared error
 * {@code (ŷ − y)²} of each example's prediction (Garg's loss, no ½), updating only the parameters a
 * {@link FinetuneScope} selects.
 *
 * <p>Dimension glossary: {@code M} training examples, {@code K} context pairs of each example's prompt (0 for a
 * zero-shot prompt: the input alone), {@code d} input dimension, {@code W} layout token width, {@code T} layout tokens.
 *
 * <p>One step on example m: {@code θ ← θ − lr · mask ⊙ ∂(ŷ_m − y_m)²/∂θ}, with ŷ_m the output at the layout's
 * prediction position of the example's query. The update is applied in place outside autograd, as the trainer does.
 */
public final class Gpt2Finetuning {
    private Gpt2Finetuning() {}

    /**
     * The finetuned parameters, as fresh arrays of {@code start}'s dtype in {@code manager}.
     *
     * @param start the parameters by canonical name (not modified)
     * @param tokens the training prompts in canonical form {@code [M, K+1, d+1]} (query label slot 0)
     * @param targets their labels {@code [M]}
     * @param learningRate the SGD step size, positive
     */
    public static Map<String, NDArray> finetune(Gpt2Config config, PromptLayout layout, Map<String, NDArray> start,
            NDArray tokens, NDArray targets, double learningRate, FinetuneScope scope, NDManager manager) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("finetuning: the learning rate must be positive, got " + learningRate);
        }
        long m = tokens.getShape().get(0);
        int k = (int) tokens.getShape().get(1) - 1;
        int at = layout.predictionPosition(k, k);
        Map<String, NDArray> params = new LinkedHashMap<>();
        Map<String, NDArray> masks = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : start.entrySet()) {
            NDArray p = e.getValue().duplicate();
            p.attach(manager);
            NDArray mask = scope.mask(config, e.getKey(), p);
            if (mask != null) {
                mask.attach(manager);
                masks.put(e.getKey(), mask);
                p.setRequiresGradient(true);
            }
            params.put(e.getKey(), p);
        }
        if (masks.isEmpty()) {
            throw new IllegalArgumentException("finetuning: the scope " + scope.name() + " selects no parameter");
        }
        NDArray lr = Gpt2Transformer.constant(tokens, learningRate);
        lr.attach(manager);
        for (long i = 0; i < m; i++) {
            try (NDManager step = manager.newSubManager()) {
                NDArray x = tokens.get(new NDIndex(i + ":" + (i + 1))).toType(lr.getDataType(), false); // [1, K+1, d+1]
                x.attach(step);
                NDArray y = targets.get(new NDIndex(i + ":" + (i + 1))).toType(lr.getDataType(), false); // [1]
                y.attach(step);
                synchronized (Autograd.LOCK) {
                    try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                        NDArray out = Gpt2Transformer.outputs(config, Gpt2Transformer.viewsIn(params, step), layout.encode(x)); // [1, T]
                        NDArray loss = out.get(new NDIndex(":, " + at)).sub(y).square().sum();
                        gc.backward(loss);
                    }
                }
                for (Map.Entry<String, NDArray> e : masks.entrySet()) {
                    NDArray p = params.get(e.getKey());
                    NDArray g = p.getGradient();
                    p.subi(g.mul(e.getValue()).mul(lr));
                    g.muli(0); // libtorch accumulates gradients
                }
            }
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray copy = e.getValue().duplicate(); // a plain array without gradient
            copy.attach(manager);
            out.put(e.getKey(), copy);
        }
        return out;
    }
}
