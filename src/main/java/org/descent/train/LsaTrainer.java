package org.descent.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.descent.model.LsaTransformerBlock;
import org.descent.model.LsaWeights;
import org.descent.task.PromptBatch;
import org.descent.task.Seeds;
import org.descent.task.TaskSampler;

/**
 * Trains an {@link LsaTransformerBlock} with Adam on fresh batches: step k draws its batch from seed
 * {@code derive(seed, TRAIN, k)}, so an interrupted and resumed run sees exactly the data an uninterrupted one would.
 * Loss: plain mean squared error {@code mean((ŷ − y)²)} (no ½).
 *
 * <p>Every step runs in its own sub-manager that is closed at the end of the step, so memory stays flat however
 * long the run.
 */
public final class LsaTrainer {

    /** Receives progress; called on the training thread after each step. */
    public interface StepListener {
        void onStep(int step, double loss, double lr);
    }

    /** Receives checkpoints to persist. */
    public interface CheckpointSink {
        /**
         * @param state the state to save
         * @param status {@code "intermediate"}, {@code "final"} or {@code "diverged"}
         * @return where it went (for messages)
         */
        String save(TrainingState state, String status);
    }

    private final NDManager manager;
    private final LsaTransformerBlock block;
    private final TaskSampler sampler;
    private final TrainConfig config;
    private final List<NDArray> params;
    private final AdamOptimizer adam;
    private final float[] losses;
    private final long[] stepNanos;
    private int step;

    private LsaTrainer(NDManager manager, LsaTransformerBlock block, TaskSampler sampler, TrainConfig config,
            AdamOptimizer adam, int step, float[] history) {
        if (sampler.task().tokenDim() != block.dim()) {
            throw new IllegalArgumentException("model token width D=" + block.dim() + " does not match the task's d="
                    + sampler.task().d());
        }
        if (step > config.steps()) {
            throw new IllegalArgumentException("checkpoint is at step " + step + ", beyond the requested "
                    + config.steps() + " steps; ask for more steps to resume");
        }
        this.manager = manager;
        this.block = block;
        this.sampler = sampler;
        this.config = config;
        this.params = block.orderedParameters().stream().map(Parameter::getArray).toList();
        this.adam = adam;
        this.step = step;
        this.losses = Arrays.copyOf(history, config.steps());
        this.stepNanos = new long[config.steps()];
    }

    /** A trainer for a new model with the given initial weights. */
    public static LsaTrainer start(NDManager manager, LsaWeights init, TaskSampler sampler, TrainConfig config) {
        LsaTransformerBlock block = LsaTransformerBlock.withWeights(manager, init);
        List<NDArray> ps = block.orderedParameters().stream().map(Parameter::getArray).toList();
        return new LsaTrainer(manager, block, sampler, config, AdamOptimizer.fresh(config, ps), 0, new float[0]);
    }

    /** A trainer that continues from a saved state. */
    public static LsaTrainer resume(NDManager manager, TrainingState state, TaskSampler sampler, TrainConfig config) {
        LsaTransformerBlock block = LsaTransformerBlock.withWeights(manager, state.weights());
        List<NDArray> ps = block.orderedParameters().stream().map(Parameter::getArray).toList();
        if (state.adamMeans().length != ps.size() || state.adamVariances().length != ps.size()) {
            throw new IllegalArgumentException("checkpoint optimizer state has " + state.adamMeans().length
                    + " entries for " + ps.size() + " parameters");
        }
        List<NDArray> means = new ArrayList<>();
        List<NDArray> vars = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            means.add(manager.create(state.adamMeans()[i], ps.get(i).getShape()));
            vars.add(manager.create(state.adamVariances()[i], ps.get(i).getShape()));
        }
        AdamOptimizer adam = new AdamOptimizer(config.beta1(), config.beta2(), config.epsilon(), means, vars,
                state.step());
        return new LsaTrainer(manager, block, sampler, config, adam, state.step(), state.losses());
    }

    public LsaTransformerBlock block() {
        return block;
    }

    public int step() {
        return step;
    }

    /** Loss of every completed step. */
    public float[] losses() {
        return Arrays.copyOf(losses, step);
    }

    /** Wall-clock nanoseconds of each step run by this trainer (0 for steps done before a resume). */
    public long[] stepNanos() {
        return Arrays.copyOf(stepNanos, step);
    }

    /** A host-side copy of the full training state. */
    public TrainingState snapshot() {
        return parameterSnapshot().withLosses(losses);
    }

    /** Weights and Adam moments at the current step, without the loss history (cheap enough for every step). */
    private ParameterSnapshot parameterSnapshot() {
        float[][] means = new float[params.size()][];
        float[][] vars = new float[params.size()][];
        List<NDArray> state = adam.state();
        for (int i = 0; i < params.size(); i++) {
            means[i] = state.get(i).toFloatArray();
            vars[i] = state.get(params.size() + i).toFloatArray();
        }
        return new ParameterSnapshot(block.weights(), means, vars, step);
    }

    /** The parameter part of a {@link TrainingState}; the losses are attached only when it is saved. */
    private record ParameterSnapshot(LsaWeights weights, float[][] means, float[][] vars, int step) {
        TrainingState withLosses(float[] all) {
            return new TrainingState(weights, means, vars, step, Arrays.copyOf(all, step));
        }
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
     * Runs the remaining steps, checking {@code stop} after every step.
     *
     * @throws TrainingDivergedException on a NaN or infinite loss or gradient, after saving the last good state
     * @throws TrainingInterruptedException when {@code stop} was requested, after finishing the current step and
     *     saving it as an {@code interrupted} checkpoint (nothing is saved when the run had just saved that step)
     */
    public void run(StepListener listener, CheckpointSink sink, StopSignal stop) {
        int savedStep = -1;
        String savedWhere = null;
        ParameterSnapshot lastGood = parameterSnapshot();
        while (step < config.steps()) {
            long t0 = System.nanoTime();
            ParameterSnapshot current = step == lastGood.step() ? lastGood : parameterSnapshot(); // this step's weights
            double lr = config.learningRate(step);
            double loss;
            try (NDManager scope = manager.newSubManager()) {
                PromptBatch batch = sampler.sample(scope, config.batchSize(),
                        Seeds.derive(config.seed(), Seeds.TRAIN, step));
                NDArray lossArray;
                try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                    NDArray preds = block.forward(batch.tokens(), false).head(); // [B]
                    lossArray = preds.sub(batch.targets()).square().mean(); // MSE, no 1/2
                    gc.backward(lossArray);
                }
                loss = lossArray.getFloat();
                List<NDArray> grads = new ArrayList<>(params.size());
                double sq = 0;
                for (NDArray p : params) {
                    NDArray g = p.getGradient();
                    g.attach(scope);
                    grads.add(g);
                }
                for (NDArray g : grads) {
                    sq += g.square().sum().toType(DataType.FLOAT64, false).getDouble();
                }
                if (!Double.isFinite(loss) || !Double.isFinite(sq)) {
                    String what = !Double.isFinite(loss) ? "the loss is " + loss : "a gradient is not finite";
                    String where = sink.save(lastGood.withLosses(losses), "diverged");
                    throw new TrainingDivergedException(step, what,
                            "The last good state (after step " + lastGood.step() + ") was saved to " + where);
                }
                double norm = Math.sqrt(sq);
                if (config.clipNorm() > 0 && norm > config.clipNorm()) {
                    double scale = config.clipNorm() / norm;
                    grads.forEach(g -> g.muli(scale));
                }
                adam.update(scope, params, grads, lr);
                for (NDArray g : grads) {
                    g.muli(0); // gradients accumulate in libtorch: reset them for the next step
                }
            }
            lastGood = current; // its loss and gradients were finite
            losses[step] = (float) loss;
            stepNanos[step] = System.nanoTime() - t0;
            step++;
            listener.onStep(step, loss, lr);
            if (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0 && step < config.steps()) {
                savedWhere = sink.save(snapshot(), "intermediate");
                savedStep = step;
            }
            if (stop.requested() && step < config.steps()) {
                String where = savedStep == step && savedWhere != null ? savedWhere
                        : sink.save(snapshot(), "interrupted");
                throw new TrainingInterruptedException(step, stop.reason(), where);
            }
        }
    }
}
