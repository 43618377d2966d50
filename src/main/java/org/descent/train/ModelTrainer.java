package org.descent.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trains any {@link TrainableModel} with Adam on fresh batches: step k draws its batch from its {@link BatchSource}
 * (a pure function of k), so an interrupted and resumed run sees exactly the data an uninterrupted one would. The
 * loop knows nothing of the architecture: it differentiates the model's loss, reads the loss and the squared gradient
 * norm to the host in one read, clips, applies the fused {@link AdamOptimizer} and hands host snapshots (parameters,
 * Adam moments, losses) to a {@link StateFactory} that turns them into the architecture's state type {@code S}.
 *
 * <p>Every step runs in its own sub-manager that is closed at the end of the step, so memory stays flat however
 * long the run.
 *
 * @param <S> the host-side training state of the architecture ({@link TrainingState} for the LSA)
 */
public final class ModelTrainer<S> {

    /** Receives progress; called on the training thread after each step. */
    public interface StepListener {
        void onStep(int step, double loss, double lr);
    }

    /** Receives checkpoints to persist. */
    public interface StateSink<S> {
        /**
         * @param state the state to save
         * @param status {@code "intermediate"}, {@code "final"}, {@code "diverged"} or {@code "interrupted"}
         * @return where it went (for messages)
         */
        String save(S state, String status);
    }

    /** Builds the architecture's state from host copies, each array in the model's parameter order. */
    public interface StateFactory<S> {
        S state(float[][] parameters, float[][] adamMeans, float[][] adamVariances, int step, float[] losses);
    }

    /**
     * The parts of a training step, in the order they run, timed separately (on the CPU every engine call is
     * synchronous, so each phase's time is its own work).
     */
    public enum Phase {
        /** drawing the batch (inputs, task, labels, token layout), or waiting for the one drawn ahead */
        SAMPLING,
        /** the model's predictions and the loss */
        FORWARD,
        /** gradients by reverse-mode autodiff */
        BACKWARD,
        /** copying the loss and the squared gradient norm to the host in one read (divergence check, clipping) */
        HOST_SYNC,
        /** the fused Adam update and resetting the gradients */
        OPTIMIZER,
        /** the host copy of the state the step started from (kept to save the last good state on divergence) */
        STATE_COPY
    }

    private final NDManager manager;
    private final TrainableModel model;
    private final BatchSource source;
    private final TrainConfig config;
    private final StateFactory<S> states;
    private final List<NDArray> params;
    private final AdamOptimizer adam;
    private final float[] losses;
    private final long[] stepNanos;
    private final long[][] phaseNanos; // [Phase][step]
    private boolean sampleAhead = true;
    private int step;

    /**
     * @param adam the optimizer, fresh or restored ({@link #restoreAdam})
     * @param step completed steps (0 for a fresh run)
     * @param history losses of the completed steps
     */
    public ModelTrainer(NDManager manager, TrainableModel model, BatchSource source, TrainConfig config,
            StateFactory<S> states, AdamOptimizer adam, int step, float[] history) {
        if (step > config.steps()) {
            throw new IllegalArgumentException("checkpoint is at step " + step + ", beyond the requested "
                    + config.steps() + " steps; ask for more steps to resume");
        }
        this.manager = manager;
        this.model = model;
        this.source = source;
        this.config = config;
        this.states = states;
        this.params = model.parameters();
        this.adam = adam;
        this.step = step;
        this.losses = Arrays.copyOf(history, config.steps());
        this.stepNanos = new long[config.steps()];
        this.phaseNanos = new long[Phase.values().length][config.steps()];
    }

    /** An optimizer continuing from saved moments, one flat array per parameter of {@code params}. */
    public static AdamOptimizer restoreAdam(NDManager manager, TrainConfig config, List<NDArray> params,
            float[][] means, float[][] variances, int step) {
        if (means.length != params.size() || variances.length != params.size()) {
            throw new IllegalArgumentException("checkpoint optimizer state has " + means.length
                    + " entries for " + params.size() + " parameters");
        }
        List<NDArray> m = new ArrayList<>();
        List<NDArray> v = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            m.add(manager.create(means[i], params.get(i).getShape()));
            v.add(manager.create(variances[i], params.get(i).getShape()));
        }
        return new AdamOptimizer(config.beta1(), config.beta2(), config.epsilon(), m, v, step);
    }

    /**
     * Whether the next step's batch is drawn on a background thread while a step trains (the default; the batches
     * and therefore the results are the same either way). Off, every batch is drawn on the training thread.
     */
    public ModelTrainer<S> sampleAhead(boolean on) {
        this.sampleAhead = on;
        return this;
    }

    public TrainableModel model() {
        return model;
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

    /** Wall-clock nanoseconds of {@code phase} in each step run by this trainer (0 before a resume). */
    public long[] phaseNanos(Phase phase) {
        return Arrays.copyOf(phaseNanos[phase.ordinal()], step);
    }

    /** A host-side copy of the full training state. */
    public S snapshot() {
        return parameterSnapshot().withLosses(losses);
    }

    /**
     * Weights and Adam moments at the current step, without the loss history: one engine call gathers them, one
     * read copies them to the host (cheap enough for every step).
     */
    private ParameterSnapshot parameterSnapshot() {
        NDList all = new NDList(params);
        all.addAll(adam.state()); // means, then variances
        float[] flat;
        try (NDManager scope = manager.newSubManager()) {
            NDList flattened = new NDList(all.size());
            for (NDArray a : all) {
                NDArray f = a.reshape(-1);
                f.attach(scope);
                flattened.add(f);
            }
            NDArray gathered = NDArrays.concat(flattened);
            gathered.attach(scope);
            flat = gathered.toFloatArray();
        }
        return new ParameterSnapshot(flat, step);
    }

    /**
     * The parameter part of a state as one flat copy (parameters, Adam means, Adam variances, each in parameter
     * order); the losses are attached, and the state built, only when it is saved.
     */
    private final class ParameterSnapshot {
        private final float[] flat;
        private final int step;

        ParameterSnapshot(float[] flat, int step) {
            this.flat = flat;
            this.step = step;
        }

        int step() {
            return step;
        }

        S withLosses(float[] all) {
            int k = params.size();
            float[][] parts = new float[3 * k][];
            int offset = 0;
            for (int i = 0; i < 3 * k; i++) {
                int size = (int) params.get(i % k).getShape().size();
                parts[i] = Arrays.copyOfRange(flat, offset, offset + size);
                offset += size;
            }
            return states.state(Arrays.copyOfRange(parts, 0, k), Arrays.copyOfRange(parts, k, 2 * k),
                    Arrays.copyOfRange(parts, 2 * k, 3 * k), step, Arrays.copyOf(all, step));
        }
    }

    /**
     * Runs the remaining steps, checking {@code stop} after every step.
     *
     * @throws TrainingDivergedException on a NaN or infinite loss or gradient, after saving the last good state
     * @throws TrainingInterruptedException when {@code stop} was requested, after finishing the current step and
     *     saving it as an {@code interrupted} checkpoint (nothing is saved when the run had just saved that step)
     */
    public void run(StepListener listener, StateSink<S> sink, StopSignal stop) {
        int savedStep = -1;
        String savedWhere = null;
        ParameterSnapshot lastGood = parameterSnapshot();
        try (BatchPrefetcher batches = new BatchPrefetcher(manager, source, config.steps(), sampleAhead)) {
            while (step < config.steps()) {
                long t0 = System.nanoTime();
                // the state this step starts from
                ParameterSnapshot current = step == lastGood.step() ? lastGood : parameterSnapshot();
                long copied = System.nanoTime();
                double lr = config.learningRate(step);
                double loss;
                try (BatchPrefetcher.Batch drawn = batches.take(step); NDManager scope = manager.newSubManager()) {
                    long sampled = System.nanoTime();
                    NDArray lossArray;
                    long forwarded;
                    try (GradientRecording recording = new GradientRecording()) {
                        lossArray = model.loss(drawn.batch());
                        forwarded = System.nanoTime();
                        recording.backward(lossArray);
                    }
                    long backwarded = System.nanoTime();
                    NDList grads = new NDList(params.size());
                    NDList flat = new NDList(params.size());
                    for (NDArray p : params) {
                        NDArray g = p.getGradient();
                        g.attach(scope);
                        grads.add(g);
                        flat.add(g.reshape(-1));
                    }
                    // the loss and the squared gradient norm in one host read
                    float[] read = NDArrays.stack(new NDList(lossArray,
                            NDArrays.concat(flat).square().sum())).toFloatArray();
                    loss = read[0];
                    double sq = read[1];
                    long synced = System.nanoTime();
                    if (!Double.isFinite(loss) || !Double.isFinite(sq)) {
                        String what = !Double.isFinite(loss) ? "the loss is " + loss : "a gradient is not finite";
                        String where = sink.save(lastGood.withLosses(losses), "diverged");
                        throw new TrainingDivergedException(step, what,
                                "The last good state (after step " + lastGood.step() + ") was saved to " + where);
                    }
                    double norm = Math.sqrt(sq);
                    double scale = config.clipNorm() > 0 && norm > config.clipNorm() ? config.clipNorm() / norm : 1;
                    adam.update(params, grads, lr, scale);
                    for (NDArray g : grads) {
                        g.muli(0); // gradients accumulate in libtorch: reset them for the next step
                    }
                    long updated = System.nanoTime();
                    phaseNanos[Phase.STATE_COPY.ordinal()][step] = copied - t0;
                    phaseNanos[Phase.SAMPLING.ordinal()][step] = sampled - copied;
                    phaseNanos[Phase.FORWARD.ordinal()][step] = forwarded - sampled;
                    phaseNanos[Phase.BACKWARD.ordinal()][step] = backwarded - forwarded;
                    phaseNanos[Phase.HOST_SYNC.ordinal()][step] = synced - backwarded;
                    phaseNanos[Phase.OPTIMIZER.ordinal()][step] = updated - synced;
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
}
