package org.descent.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.List;
import org.descent.model.LsaTransformerBlock;
import org.descent.model.LsaWeights;
import org.descent.task.PromptBatch;
import org.descent.task.TaskSampler;

/**
 * Trains an {@link LsaTransformerBlock} with Adam on fresh batches through the architecture-free
 * {@link ModelTrainer}: step k draws its batch from seed {@code derive(seed, TRAIN, k)}, so an interrupted and resumed
 * run sees exactly the data an uninterrupted one would. Loss: plain mean squared error {@code mean((ŷ − y)²)} at the
 * query (no ½).
 */
public final class LsaTrainer {

    /** Receives progress; called on the training thread after each step. */
    public interface StepListener extends ModelTrainer.StepListener {}

    /** Receives checkpoints to persist ({@code intermediate}, {@code final}, {@code diverged}, {@code interrupted}). */
    public interface CheckpointSink extends ModelTrainer.StateSink<TrainingState> {}

    /** The LSA as a {@link TrainableModel}: its ordered parameters and the query MSE. */
    private record Model(LsaTransformerBlock block, List<NDArray> parameters) implements TrainableModel {
        Model(LsaTransformerBlock block) {
            this(block, block.orderedParameters().stream().map(Parameter::getArray).toList());
        }

        @Override
        public NDArray loss(PromptBatch batch) {
            NDArray preds = block.predict(batch.tokens()); // [B]
            return preds.sub(batch.targets()).square().mean(); // MSE, no 1/2
        }
    }

    private final LsaTransformerBlock block;
    private final ModelTrainer<TrainingState> trainer;

    private LsaTrainer(NDManager manager, LsaTransformerBlock block, TaskSampler sampler, TrainConfig config,
            java.util.function.Function<List<NDArray>, AdamOptimizer> adam, int step, float[] history) {
        if (sampler.task().tokenDim() != block.dim()) {
            throw new IllegalArgumentException("model token width D=" + block.dim() + " does not match the task's d="
                    + sampler.task().d());
        }
        this.block = block;
        Model model = new Model(block);
        this.trainer = new ModelTrainer<>(manager, model, BatchSource.of(sampler, config), config,
                (params, means, vars, at, losses) -> new TrainingState(block.weightsFrom(params), means, vars, at,
                        losses), adam.apply(model.parameters()), step, history);
    }

    /** A trainer for a new model with the given initial weights. */
    public static LsaTrainer start(NDManager manager, LsaWeights init, TaskSampler sampler, TrainConfig config) {
        LsaTransformerBlock block = LsaTransformerBlock.withWeights(manager, init);
        return new LsaTrainer(manager, block, sampler, config, ps -> AdamOptimizer.fresh(config, ps), 0,
                new float[0]);
    }

    /** A trainer that continues from a saved state. */
    public static LsaTrainer resume(NDManager manager, TrainingState state, TaskSampler sampler, TrainConfig config) {
        LsaTransformerBlock block = LsaTransformerBlock.withWeights(manager, state.weights());
        return new LsaTrainer(manager, block, sampler, config, ps -> ModelTrainer.restoreAdam(manager, config, ps,
                state.adamMeans(), state.adamVariances(), state.step()), state.step(), state.losses());
    }

    /**
     * Whether the next step's batch is drawn on a background thread while a step trains (the default; the batches
     * and therefore the results are the same either way). Off, every batch is drawn on the training thread.
     */
    public LsaTrainer sampleAhead(boolean on) {
        trainer.sampleAhead(on);
        return this;
    }

    public LsaTransformerBlock block() {
        return block;
    }

    /** The architecture-free loop underneath (phase timings, losses). */
    public ModelTrainer<TrainingState> trainer() {
        return trainer;
    }

    public int step() {
        return trainer.step();
    }

    /** Loss of every completed step. */
    public float[] losses() {
        return trainer.losses();
    }

    /** Wall-clock nanoseconds of each step run by this trainer (0 for steps done before a resume). */
    public long[] stepNanos() {
        return trainer.stepNanos();
    }

    /** Wall-clock nanoseconds of {@code phase} in each step run by this trainer (0 before a resume). */
    public long[] phaseNanos(ModelTrainer.Phase phase) {
        return trainer.phaseNanos(phase);
    }

    /** A host-side copy of the full training state. */
    public TrainingState snapshot() {
        return trainer.snapshot();
    }

    /**
     * Runs the remaining steps.
     *
     * @throws TrainingDivergedException on a NaN or infinite loss or gradient, after saving the last good state
     */
    public void run(StepListener listener, CheckpointSink sink) {
        run(listener, sink, StopSignal.never());
    }

    /**
     * Runs the remaining steps, checking {@code stop} after every step ({@link ModelTrainer#run}).
     *
     * @throws TrainingDivergedException on a NaN or infinite loss or gradient, after saving the last good state
     * @throws TrainingInterruptedException when {@code stop} was requested, after saving an {@code interrupted}
     *     checkpoint
     */
    public void run(StepListener listener, CheckpointSink sink, StopSignal stop) {
        trainer.run(listener, sink, stop);
    }
}
