package org.descent.regressor;

/**
 * The one lock around DJL's autograd. The PyTorch engine allows a single {@code GradientCollector} per process at a
 * time (it throws "already collecting" otherwise), so every Jacobian that records gradients through a collector holds
 * this lock while its collector is open; a probe run can then evaluate a model and its controls on two threads.
 * Training steps record on their own thread without a collector ({@code org.descent.train.GradientRecording}) and
 * neither take nor need this lock.
 */
public final class Autograd {
    /** Held while a {@code GradientCollector} is open. */
    public static final Object LOCK = new Object();

    private Autograd() {}
}
