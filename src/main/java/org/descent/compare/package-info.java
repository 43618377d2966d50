/**
 * Metrics of the README's contracts (preds diff, model diff/cos, SPD, ILWD, Dist, behavioural PGD fit), the one-step-GD
 * comparison, baseline curves and bootstrap intervals; the per-position agreement of next-token predictors ({@link org.descent.compare.SequenceAlignment}).
 */
package org.descent.compare;
