package org.descent.sweep;

import java.io.PrintWriter;
import java.util.List;

/**
 * Runs the pending cells of a sweep. Every executor starts the same cell runner ({@code descent sweep cell DIR
 * INDEX}, {@link CellRunner}) in some process somewhere; the cells' folders are the only state, so executors can be
 * mixed, interrupted and re-run.
 */
public interface Executor {
    /** The executor's name ({@code local}, {@code slurm}). */
    String name();

    /**
     * Runs (or submits) {@code cells} of {@code sweep}.
     *
     * @param noCache pass {@code --no-cache} to every cell
     * @param err progress and notes
     * @return true when the cells ran to an end here (local, or slurm waiting for its job); false when they were only
     *     submitted
     */
    boolean execute(SweepDir sweep, List<Integer> cells, boolean noCache, PrintWriter err);
}
