package org.descent.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.model.gpt2.Gpt2Weights;
import org.descent.model.gpt2.Gpt2Transformer;
import org.descent.model.gpt2.LoopedGpt2;
import org.descent.model.gpt2.LoopedGpt2Config;
import org.descent.task.PromptBatch;
import org.descent.task.layout.PromptLayout;

/**
 * A looped GPT-2 regressor ({@link LoopedGpt2}) as a {@link TrainableModel}: the backbone's parameters by GPT-2's
 * canonical names, in canonical order, and Yang et al.'s truncated loss.
 *
 * <p>Loss (plain MSE, no ½): the mean over the trained iterations t = b−T+1..b of Garg et al.'s loss of the read-out
 * after iteration t ({@link Gpt2Model#loss}: with an every-prefix layout the mean over prompts and the N+1 prediction
 * positions), i.e. {@code (1/T) Σ_t mean((ŷ_t − y)²)}; the first b−T iterations are run without gradient. This is
 * the authors' {@code (y_star_arr − y_pred_arr).square().mean()} over the stacked read-outs of the window.
 */
public final class LoopedGpt2Model implements TrainableModel {
    private final LoopedGpt2Config config;
    private final PromptLayout layout;
    private final Map<String, NDArray> byName;
    private final List<NDArray> parameters;

    private LoopedGpt2Model(LoopedGpt2Config config, PromptLayout layout, Map<String, NDArray> byName) {
        this.config = config;
        this.layout = layout;
        this.byName = byName;
        this.parameters = List.copyOf(byName.values());
        for (NDArray p : parameters) {
            p.setRequiresGradient(true);
        }
    }

    /**
     * The backbone weights ({@code weights.config()} must be {@code config.backbone()}) as trainable arrays of
     * {@code type} in {@code manager}.
     */
    public static LoopedGpt2Model of(NDManager manager, LoopedGpt2Config config, Gpt2Weights weights,
            PromptLayout layout, DataType type) {
        if (!weights.config().equals(config.backbone())) {
            throw new IllegalArgumentException("looped gpt2: the weights are of " + weights.config()
                    + ", the backbone is " + config.backbone());
        }
        return new LoopedGpt2Model(config, layout, new LinkedHashMap<>(weights.toArrays(manager, type)));
    }

    @Override
    public List<NDArray> parameters() {
        return parameters;
    }

    /** Host weights from a flat copy of each parameter, in canonical order (a trainer snapshot). */
    public Gpt2Weights weightsFrom(float[][] flat) {
        return Gpt2Weights.fromFlat(config.backbone(), byName.keySet(), flat);
    }

    /**
     * The predictions of the trained iterations, stacked {@code [T, B, K]} (K = N+1 prediction positions, or 1 at
     * the query), and their labels {@code [B, K]}.
     */
    public NDList predictionsAndLabels(PromptBatch batch) {
        NDArray tokens = batch.tokens(); // [B, N+1, d+1]
        if (tokens.getDataType() != parameters.get(0).getDataType()) {
            tokens = tokens.toType(parameters.get(0).getDataType(), false);
        }
        NDArray targets = batch.targets().toType(tokens.getDataType(), false); // [B]
        List<NDArray> outputs = LoopedGpt2.trainedOutputs(config, Gpt2Transformer.viewsIn(byName, tokens.getManager()),
                layout.encode(tokens)); // T × [B, T_tokens]
        NDList preds = new NDList(outputs.size());
        NDArray labels = null;
        for (NDArray o : outputs) {
            NDList pl = Gpt2Model.atPredictionPositions(layout, o, tokens, targets);
            preds.add(pl.get(0));
            labels = pl.get(1);
        }
        return new NDList(NDArrays.stack(preds), labels);
    }

    @Override
    public NDArray loss(PromptBatch batch) {
        NDList pl = predictionsAndLabels(batch);
        return pl.get(0).sub(pl.get(1)).square().mean(); // [T, B, K] − [B, K]: mean over iterations, prompts, positions
    }

    /**
     * A fresh trainer of {@code model} on {@code task} (with the config's curriculum, if any), keeping host snapshots
     * as {@link Gpt2TrainingState} (the backbone's weights under GPT-2's names).
     */
    public static ModelTrainer<Gpt2TrainingState> trainer(NDManager manager, LoopedGpt2Model model,
            org.descent.task.TaskConfig task, TrainConfig tc) {
        BatchSource source = tc.curriculum() == null
                ? BatchSource.of(org.descent.task.TaskSamplers.forTask(task), tc) : tc.curriculum().source(task, tc);
        return new ModelTrainer<>(manager, model, source, tc, (params, means, vars, step, losses) ->
                new Gpt2TrainingState(model.weightsFrom(params), means, vars, step, losses),
                AdamOptimizer.fresh(tc, model.parameters()), 0, new float[0]);
    }
}
