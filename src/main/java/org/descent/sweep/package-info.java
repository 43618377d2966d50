/**
 * Sweeps: grids of runs (README "Sweeps"). {@link org.descent.sweep.SweepSpec} expands a JSON spec into
 * {@link org.descent.sweep.Cell}s; {@link org.descent.sweep.SweepDir} is the sweep's folder, the only state;
 * {@link org.descent.sweep.CellRunner} runs one cell (claim with an atomic mkdir and an OS lock, run into a staging
 * folder, publish with one rename), whichever {@link org.descent.sweep.Executor} started it
 * ({@link org.descent.sweep.LocalExecutor}, {@link org.descent.sweep.SlurmExecutor});
 * {@link org.descent.sweep.ResultsTable} gathers one row per cell (CSV, Feather) and
 * {@link org.descent.sweep.SweepReport} plots it. The command line is in {@code org.descent.cli.SweepCommand}.
 */
package org.descent.sweep;
