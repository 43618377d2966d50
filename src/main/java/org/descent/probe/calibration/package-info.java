/**
 * Calibration of descent's verdicts: a battery of models whose algorithm is known by construction
 * ({@link org.descent.probe.calibration.CalibrationBattery}: one GD step at several η, gradient ascent, PGD with SPD,
 * near-identity and indefinite Γ, K-step GD, GD++, OLS, ridge, Iterative Newton, the zero predictor, random-init LSAs,
 * an order-dependent perturbation of GD, too few prompts), each with the verdict every hypothesis must get
 * ({@link org.descent.probe.calibration.CalibrationCase}); {@link org.descent.probe.calibration.Calibration} runs a
 * suite on them and counts false consistent, false inconsistent and inconclusive verdicts;
 * {@link org.descent.probe.calibration.CalibrationReport} prints the confusion table. {@code descent calibrate} and
 * {@code CalibrationTest} use it.
 */
package org.descent.probe.calibration;
