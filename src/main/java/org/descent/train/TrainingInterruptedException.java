package org.descent.train;

/** Thrown when a run stopped on request ({@link StopSignal}) after saving a resumable checkpoint. */
public final class TrainingInterruptedException extends RuntimeException {
    private final int step;
    private final String reason;
    private final String savedTo;

    /**
     * @param step completed steps
     * @param reason why it stopped (e.g. "SIGTERM")
     * @param savedTo where the resumable checkpoint went (for messages)
     */
    public TrainingInterruptedException(int step, String reason, String savedTo) {
        super("training stopped by " + reason + " after step " + step + "; a resumable checkpoint was saved to "
                + savedTo);
        this.step = step;
        this.reason = reason;
        this.savedTo = savedTo;
    }

    public int step() {
        return step;
    }

    public String reason() {
        return reason;
    }

    public String savedTo() {
        return savedTo;
    }
}
