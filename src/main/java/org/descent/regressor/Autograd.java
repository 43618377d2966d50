package org.descent.regressor;

/**
 * The one lock around DJL's autograd. The PyTorch engine allows a single {@code GradientCollector} per process at a
 * time (it throws "already collecting" otherwise), so every Jacobian or training step that records gradients holds
 * this lock while its collector is open; a probe run can then evaluate a model and its controls on two threads.
 */
public final class Autograd {
    /** Held while a {@code GradientCollector} is open. */
    public static final Object LOCK = new Object();

    private Autograd() {}
}
