/**
 * The built-in probes, registered in {@code META-INF/services/org.descent.probe.Probe} in the order of the default
 * suite: {@code gd-alignment}, {@code pgd-fit}, {@code multistep-fit}, {@code baseline-distance},
 * {@code order-sensitivity}, {@code context-length}, {@code hidden-state-probes}, {@code weight-structure}. Each
 * class documents what it measures, its parameters and tolerances, and how its verdicts are decided. Metrics come from
 * {@link org.descent.compare.PredictionMetrics} and {@link org.descent.compare.AlgorithmDistances}; references from
 * {@link org.descent.probe.ReferenceAlgorithms}.
 */
package org.descent.probe.builtin;
