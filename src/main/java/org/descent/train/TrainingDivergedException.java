package org.descent.train;

/** Thrown when the training loss or a gradient becomes NaN or infinite; says where and what was kept. */
public final class TrainingDivergedException extends RuntimeException {
    private final int step;

    public TrainingDivergedException(int step, String what, String kept) {
        super("training diverged at step " + step + ": " + what + ". " + kept
                + ". Try a smaller --lr, a smaller --init-scale or gradient clipping (--clip-norm).");
        this.step = step;
    }

    public int step() {
        return step;
    }
}
