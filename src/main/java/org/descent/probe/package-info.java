/**
 * Probes: experiments that test the ICL-as-GD hypothesis on a model descent has never seen, and the service-provider
 * interface through which researchers add their own.
 *
 * <p>Dimension glossary used throughout: {@code B} test prompts, {@code N} context examples, {@code T = N + 1} tokens
 * (the query last), {@code d} input dimension, {@code D = d + 1} token width, {@code L} layers, {@code D_h} hidden
 * width; prompts {@code [B, T, D]}, predictions {@code [B]}, query Jacobians {@code [B][d]}, hidden states
 * {@code [L+1, B, T, D_h]}, preconditioners {@code [d, d]}.
 *
 * <p>Pieces:
 * <ul>
 *   <li>{@link org.descent.probe.ModelUnderTest}: a model (any {@link org.descent.regressor.InContextRegressor}) with
 *       its task, origin and optional capabilities (Jacobians, hidden states, LSA weights); opened from a checkpoint by
 *       {@link org.descent.probe.model.ModelLoader} (descent folders, TorchScript files);</li>
 *   <li>{@link org.descent.probe.Probe}: the SPI, found by {@link java.util.ServiceLoader} in descent's jar and in
 *       {@code probes/*.jar} ({@link org.descent.probe.ProbeRegistry});</li>
 *   <li>{@link org.descent.probe.ProbeContext}: what a probe receives: model, seeded prompts
 *       ({@link org.descent.probe.PromptSource}), references ({@link org.descent.probe.ReferenceAlgorithms}: GD(η*),
 *       PGD(Γ*), K-step GD/GD++, OLS, ridge, averaging, k-NN), parameters from the suite
 *       ({@link org.descent.probe.ProbeParameters}), bootstrap ({@link org.descent.probe.PromptBootstrap});</li>
 *   <li>{@link org.descent.probe.BehaviouralFits}: each hypothesis's parameters fitted to the model on the fit half
 *       of the test prompts; verdicts are decided on the judge half;</li>
 *   <li>{@link org.descent.probe.ProbeResult}: metrics, {@link org.descent.probe.Verdict}s per hypothesis
 *       ({@link org.descent.probe.Outcome}: consistent / inconsistent / inconclusive) resting on
 *       {@link org.descent.probe.Evidence} (effect size, bootstrap interval, tolerance, and its role: sufficient or
 *       necessary), and report content;</li>
 *   <li>{@link org.descent.probe.ProbeRun#conclude}: one rule combines every criterion bearing on a hypothesis, through
 *       the nesting of {@link org.descent.probe.Hypotheses#PARENTS}; {@link org.descent.probe.Controls} (random-init,
 *       zero-step, averaging) are probed beside the model and gate its algorithm verdicts;</li>
 *   <li>{@link org.descent.probe.calibration}: the battery of models of known algorithm behind
 *       {@code descent calibrate};</li>
 *   <li>{@link org.descent.probe.ProbeSuite} (the JSON files in {@code probes/}), {@link org.descent.probe.ProbeRunner}
 *       and {@link org.descent.probe.ProbeReport} (the report folder).</li>
 * </ul>
 * The built-in probes live in {@link org.descent.probe.builtin}; {@code probes/README.md} explains how to write one.
 */
package org.descent.probe;
