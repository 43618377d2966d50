package org.descent.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Records one training step's autograd graph on the calling thread and runs its backward pass: the PyTorch engine's
 * {@code GradientCollector} without its process-wide "one collector at a time" flag.
 *
 * <p>libtorch keeps the grad mode per thread and accumulates gradients into each parameter's own {@code .grad}, so
 * trainings of different models on different threads do not touch each other's state; DJL's collector, however,
 * refuses to open while any other thread holds one. Recording through this class lets a preset train independent
 * models at the same time (see {@code PresetRun.trainAll}); Jacobians of evaluated models still use DJL's collector
 * under {@code org.descent.regressor.Autograd.LOCK}, which this class never takes or conflicts with.
 *
 * <p>Grad mode is on from construction to {@link #close} and off after it, on every thread: libtorch starts a new
 * thread with grad mode on (DJL turns it off only on the thread that loads the engine), so restoring the previous
 * mode would leave a training thread recording graphs between steps. {@link #backward} seeds the loss with ones and
 * frees the graph, as DJL's collector does. Gradients are not reset here; the trainer resets them after its optimizer
 * step.
 */
final class GradientRecording implements AutoCloseable {
    GradientRecording() {
        JniUtils.setGradMode(true);
    }

    /** Back-propagates {@code loss} (any shape; seeded with ones) into the gradients of the leaves that need them. */
    void backward(NDArray loss) {
        try (NDArray seed = loss.getManager().ones(loss.getShape(), loss.getDataType()).toDevice(loss.getDevice(),
                false)) {
            JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
        }
    }

    @Override
    public void close() {
        JniUtils.setGradMode(false);
    }
}
