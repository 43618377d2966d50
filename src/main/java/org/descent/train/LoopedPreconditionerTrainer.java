package org.descent.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import org.descent.model.LoopedPreconditionerLsa;
import org.descent.model.LsaWeights;
import org.descent.task.PromptBatch;
import org.descent.task.TaskSampler;
import org.ejml.data.DMatrixRMaj;
import org.descent.util.EngineArrays;

/**
 * Trains the restricted looped LSA of {@link LoopedPreconditionerLsa} (free blocks: the preconditioner {@code A [d, d]}
 * and the label-row vector {@code u [d]}; everything else fixed) with Adam on fresh batches through the
 * architecture-free {@link ModelTrainer}: same batches, loss (plain query MSE, no ½) and schedule as {@link LsaTrainer}.
 * Its states are ordinary {@link TrainingState}s whose weights are the equivalent full LSA layer
 * ({@link LoopedPreconditionerLsa#weights}); their Adam moments have the shapes of A and u, so they are not resumed
 * through {@link LsaTrainer}.
 */
public final class LoopedPreconditionerTrainer {

    /** The restricted looped LSA as a {@link TrainableModel}: parameters {@code [A [d, d], u [d]]}. */
    record Model(NDArray a, NDArray u, int loops) implements TrainableModel {
        @Override
        public List<NDArray> parameters() {
            return List.of(a, u);
        }

        @Override
        public NDArray loss(PromptBatch batch) {
            NDArray preds = LoopedPreconditionerLsa.predict(batch.tokens(), a, u, loops); // [B]
            return preds.sub(batch.targets()).square().mean(); // MSE, no 1/2
        }
    }

    private final Model model;
    private final ModelTrainer<TrainingState> trainer;

    private LoopedPreconditionerTrainer(NDManager manager, Model model, TaskSampler sampler, TrainConfig config) {
        if (sampler.task().d() != model.a().getShape().get(0)) {
            throw new IllegalArgumentException("looped preconditioner LSA: A is " + model.a().getShape()
                    + " but the task's d = " + sampler.task().d());
        }
        this.model = model;
        int d = sampler.task().d();
        this.trainer = new ModelTrainer<>(manager, model, BatchSource.of(sampler, config), config,
                (params, means, vars, at, losses) -> new TrainingState(weightsFrom(params, d, model.loops()), means,
                        vars, at, losses), AdamOptimizer.fresh(config, model.parameters()), 0, new float[0]);
    }

    /**
     * A trainer for a new model starting from {@code a0} and {@code u0} (rounded to float32).
     *
     * @param a0 initial {@code A [d, d]}
     * @param u0 initial {@code u [d]}
     * @param loops how many times the layer is applied (L)
     */
    public static LoopedPreconditionerTrainer start(NDManager manager, DMatrixRMaj a0, double[] u0, int loops,
            TaskSampler sampler, TrainConfig config) {
        LoopedPreconditionerLsa.weights(a0, u0, loops); // validates the shapes
        int d = a0.numRows;
        NDArray a = EngineArrays.copyOf(manager, a0.getData().clone(), new Shape(d, d), DataType.FLOAT32);
        NDArray u = EngineArrays.copyOf(manager, u0.clone(), new Shape(d), DataType.FLOAT32);
        a.setRequiresGradient(true);
        u.setRequiresGradient(true);
        return new LoopedPreconditionerTrainer(manager, new Model(a, u, loops), sampler, config);
    }

    /**
     * Seeded initial blocks: every entry of A and u ~ N(0, scale²) from a generator seeded with {@code seed}, drawn on
     * the Java side (rounded through float so the float32 model starts from exactly these values).
     *
     * @return {@code {A as [d·d] row-major, u [d]}}
     */
    public static double[][] gaussianInit(int d, double scale, long seed) {
        if (!(scale >= 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("looped preconditioner LSA: init scale must be finite and >= 0, got "
                    + scale);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] a = new double[d * d];
        double[] u = new double[d];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rng.nextGaussian() * scale);
        }
        for (int i = 0; i < d; i++) {
            u[i] = (float) (rng.nextGaussian() * scale);
        }
        return new double[][] {a, u};
    }

    private static LsaWeights weightsFrom(float[][] params, int d, int loops) {
        double[] a = new double[d * d];
        double[] u = new double[d];
        for (int i = 0; i < a.length; i++) {
            a[i] = params[0][i];
        }
        for (int i = 0; i < d; i++) {
            u[i] = params[1][i];
        }
        return LoopedPreconditionerLsa.weights(DMatrixRMaj.wrap(d, d, a), u, loops);
    }

    /** Whether batches are drawn ahead on a background thread ({@link ModelTrainer#sampleAhead}). */
    public LoopedPreconditionerTrainer sampleAhead(boolean on) {
        trainer.sampleAhead(on);
        return this;
    }

    /** The architecture-free loop underneath (phase timings, losses). */
    public ModelTrainer<TrainingState> trainer() {
        return trainer;
    }

    /** The trainable model (its parameters and loss). */
    public TrainableModel model() {
        return model;
    }

    /** Loss of every completed step. */
    public float[] losses() {
        return trainer.losses();
    }

    /** Wall-clock nanoseconds of each step run by this trainer. */
    public long[] stepNanos() {
        return trainer.stepNanos();
    }

    /** A host-side copy of the full training state (weights as the equivalent full LSA layer). */
    public TrainingState snapshot() {
        return trainer.snapshot();
    }

    /**
     * Runs the remaining steps; states are handed to {@code sink} as {@link ModelTrainer#run} does.
     *
     * @throws TrainingDivergedException on a NaN or infinite loss or gradient
     */
    public void run(ModelTrainer.StepListener listener, ModelTrainer.StateSink<TrainingState> sink) {
        trainer.run(listener, sink, StopSignal.never());
    }
}
