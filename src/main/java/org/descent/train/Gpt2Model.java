package org.descent.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.model.gpt2.Gpt2Config;
import org.descent.model.gpt2.Gpt2Transformer;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.task.PromptBatch;
import org.descent.task.layout.PromptLayout;

/**
 * A GPT-2 regressor ({@link Gpt2Transformer}) as a {@link TrainableModel}: its parameters by canonical name, in
 * canonical order, and Garg et al.'s training loss through the prompt layout's differentiable {@code encode}.
 *
 * <p>Loss, plain MSE (no ½): with a layout that predicts every prefix (interleaved), the mean over prompts and all
 * N+1 prediction positions k = 0..N of {@code (ŷ_k − y_{k+1})²}, where {@code y_{k+1}} is the label of the (k+1)-th
 * input (the context labels, then the query's target; {@link org.descent.task.PromptSet#prefixTargets()}); with the
 * concatenated layout the query's {@code (ŷ − y)²} only. The number of pairs N is read from the batch, so a
 * curriculum may change it from step to step.
 */
public final class Gpt2Model implements TrainableModel {
    private final Gpt2Config config;
    private final PromptLayout layout;
    private final Map<String, NDArray> byName;
    private final List<NDArray> parameters;

    private Gpt2Model(Gpt2Config config, PromptLayout layout, Map<String, NDArray> byName) {
        this.config = config;
        this.layout = layout;
        this.byName = byName;
        this.parameters = List.copyOf(byName.values());
        for (NDArray p : parameters) {
            p.setRequiresGradient(true);
        }
    }

    /** The weights as trainable arrays of {@code type} in {@code manager}. */
    public static Gpt2Model of(NDManager manager, Gpt2Weights weights, PromptLayout layout, DataType type) {
        return new Gpt2Model(weights.config(), layout, new LinkedHashMap<>(weights.toArrays(manager, type)));
    }

    /** Given arrays by canonical name (they are made to require gradients). */
    public static Gpt2Model of(Gpt2Config config, PromptLayout layout, Map<String, NDArray> arrays) {
        return new Gpt2Model(config, layout, new LinkedHashMap<>(arrays));
    }

    /** In float32, as trained. */
    public static Gpt2Model of(NDManager manager, Gpt2Weights weights, PromptLayout layout) {
        return of(manager, weights, layout, DataType.FLOAT32);
    }

    public Gpt2Config config() {
        return config;
    }

    public PromptLayout layout() {
        return layout;
    }

    /** The arrays by canonical name. */
    public Map<String, NDArray> arrays() {
        return byName;
    }

    @Override
    public List<NDArray> parameters() {
        return parameters;
    }

    /** Host weights from a flat copy of each parameter, in canonical order (a trainer snapshot). */
    public Gpt2Weights weightsFrom(float[][] flat) {
        return Gpt2Weights.fromFlat(config, byName.keySet(), flat);
    }

    /** The predictions {@code [B, K]} (K = N+1 prediction positions, or 1 at the query) and their labels. */
    public NDList predictionsAndLabels(PromptBatch batch) {
        NDArray tokens = batch.tokens(); // [B, N+1, d+1]
        if (tokens.getDataType() != parameters.get(0).getDataType()) {
            tokens = tokens.toType(parameters.get(0).getDataType(), false);
        }
        NDArray targets = batch.targets().toType(tokens.getDataType(), false); // [B]
        NDArray outputs = Gpt2Transformer.outputs(config, viewsIn(tokens.getManager()), layout.encode(tokens));
        return atPredictionPositions(layout, outputs, tokens, targets);
    }

    /**
     * The read-outs {@code outputs [B, T]} at the layout's prediction positions {@code [B, K]} (K = N+1, or 1 at the
     * query) and their labels, for prompts {@code tokens [B, N+1, d+1]} with query targets {@code targets [B]}.
     */
    static NDList atPredictionPositions(PromptLayout layout, NDArray outputs, NDArray tokens, NDArray targets) {
        int n = (int) tokens.getShape().get(1) - 1;
        int[] at = layout.predictionPositions(n);
        if (!layout.predictsEveryPrefix()) {
            return new NDList(outputs.get(new NDIndex(":, " + at[0])), targets);
        }
        // An engine-owned copy: autograd keeps the index for the backward pass, and an array made from Java memory
        // may lose that memory to the garbage collector before then (seen as runs that differ between processes,
        // or a non-finite gradient, only when a collection falls between forward and backward).
        NDArray fromJava = tokens.getManager().create(java.util.Arrays.stream(at).asLongStream().toArray());
        NDArray index = fromJava.duplicate();
        fromJava.close();
        NDArray preds = outputs.get(new NDIndex(":, {}", index)); // [B, N+1]
        long b = tokens.getShape().get(0);
        NDArray labels = NDArrays.concat(new NDList(tokens.get(new NDIndex(":, :" + n + ", -1")),
                targets.reshape(b, 1)), 1); // [B, N+1]: y_1..y_N, then the query's target
        return new NDList(preds, labels);
    }

    /**
     * Views of the parameters owned by {@code scope} (the batch's, closed after the step): the forward pass's
     * intermediates of a parameter (a transpose, a slice of the positions) belong to the manager of their first
     * operand, so without these views they would pile up in the model's manager, step after step. A view is
     * differentiable and shares storage, so gradients reach the parameters and the numbers are the same.
     */
    private Map<String, NDArray> viewsIn(NDManager scope) {
        return Gpt2Transformer.viewsIn(byName, scope);
    }

    @Override
    public NDArray loss(PromptBatch batch) {
        NDList pl = predictionsAndLabels(batch);
        return pl.get(0).sub(pl.get(1)).square().mean(); // MSE over prompts and positions, no 1/2
    }

    /** The parameters' names, in order. */
    public List<String> names() {
        return new ArrayList<>(byName.keySet());
    }
}
