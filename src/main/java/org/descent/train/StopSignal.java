package org.descent.train;

/**
 * A request to stop a training run early, set from another thread (a signal handler) and read by the trainer
 * between steps: the trainer finishes the step it is in, saves a resumable {@code interrupted} checkpoint and throws
 * {@link TrainingInterruptedException}.
 */
public final class StopSignal {
    private volatile String reason;

    /** A signal that is never raised (benchmarks, tests). */
    public static StopSignal never() {
        return new StopSignal();
    }

    /** Asks the run to stop; {@code reason} (e.g. "SIGTERM") is kept from the first request. */
    public void request(String why) {
        if (reason == null) {
            reason = why;
        }
    }

    public boolean requested() {
        return reason != null;
    }

    /** Why the stop was requested, or null. */
    public String reason() {
        return reason;
    }
}
