/**
 * Metrics of the README's contracts (preds diff, model diff/cos, SPD, ILWD, Dist, behavioural PGD fit), the one-step-GD
 * comparison, baseline curves and bootstrap intervals.
 */
package org.descent.compare;
