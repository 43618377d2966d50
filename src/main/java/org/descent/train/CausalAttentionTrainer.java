package org.descent.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.descent.model.causal.CausalAttentionWeights;
import org.descent.model.causal.LinearCausalSelfAttention;
import org.descent.task.PromptBatch;
import org.descent.task.Seeds;
import org.descent.task.sequence.SequenceSampler;
import org.descent.task.sequence.SequenceSet;
import org.descent.util.EngineArrays;

/**
 * Trains a {@link LinearCausalSelfAttention} by next-token prediction through the architecture-free
 * {@link ModelTrainer} (the same loop, fused Adam, clipping and schedule as the LSA and GPT-2): step k draws
 * {@code batchSize} fresh sequences from seed {@code derive(seed, TRAIN, k)}.
 *
 * <p>Loss, plain MSE (no ½): {@code mean over sequences b, positions t = 2..T and coordinates j of
 * (ŷ_{b,t,j} − x_{b,t+1,j})²}. Position 1 is left out: its prediction is 0 whatever the weights (no context pair),
 * so it would only add a constant. Parameters, in order: P = W^{PV}_{12} {@code [d, d]}, Q = W^{KQ}_{32}
 * {@code [d, d]} ({@link CausalAttentionWeights}), float32.
 */
public final class CausalAttentionTrainer {

    /** The host-side state: the weights after {@code step} steps and the loss of every step. */
    public record State(CausalAttentionWeights weights, int step, float[] losses) {}

    private record Model(NDArray p, NDArray q) implements TrainableModel {
        @Override
        public List<NDArray> parameters() {
            return List.of(p, q);
        }

        @Override
        public NDArray loss(PromptBatch batch) {
            NDArray x = batch.tokens(); // [B, T, d]
            NDManager scope = x.getManager();
            // views owned by the batch's scope: the forward's intermediates of a parameter then die with the step
            NDArray pv = p.reshape(p.getShape());
            pv.attach(scope);
            NDArray qv = q.reshape(q.getShape());
            qv.attach(scope);
            int t = (int) x.getShape().get(1);
            NDArray pred = LinearCausalSelfAttention.forward(pv, qv, x); // [B, T, d]
            NDIndex after = new NDIndex(":, 1:" + t + ", :");
            return pred.get(after).sub(batch.targets().get(after)).square().mean(); // MSE, no 1/2
        }
    }

    private final int d;
    private final ModelTrainer<State> trainer;

    /** A trainer for a new model starting from {@code init}, on fresh sequences of {@code sampler}. */
    public CausalAttentionTrainer(NDManager manager, CausalAttentionWeights init, SequenceSampler sampler,
            TrainConfig config) {
        if (sampler.task().d() != init.d()) {
            throw new IllegalArgumentException("causal attention: model d=" + init.d() + " does not match the task's d="
                    + sampler.task().d());
        }
        this.d = init.d();
        NDArray p = EngineArrays.copyOf(manager, init.p(), new Shape(d, d), DataType.FLOAT32);
        NDArray q = EngineArrays.copyOf(manager, init.q(), new Shape(d, d), DataType.FLOAT32);
        p.setRequiresGradient(true);
        q.setRequiresGradient(true);
        Model model = new Model(p, q);
        BatchSource source = (scope, step) -> sampler.sample(config.batchSize(),
                Seeds.derive(config.seed(), Seeds.TRAIN, step)).toBatch(scope);
        this.trainer = new ModelTrainer<>(manager, model, source, config,
                (params, means, vars, at, losses) -> new State(new CausalAttentionWeights(d, toDouble(params[0]),
                        toDouble(params[1])), at, losses), AdamOptimizer.fresh(config, model.parameters()), 0,
                new float[0]);
    }

    /** Runs every step (no checkpoints are written: the run is short and deterministic). */
    public State run(ModelTrainer.StepListener listener) {
        trainer.run(listener, (state, status) -> "(not saved)", StopSignal.never());
        return trainer.snapshot();
    }

    /** The architecture-free loop underneath (timings, losses). */
    public ModelTrainer<State> trainer() {
        return trainer;
    }

    private static double[] toDouble(float[] a) {
        double[] f = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = a[i];
        }
        return f;
    }
}
