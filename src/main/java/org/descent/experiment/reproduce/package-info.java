/**
 * One-command reproductions of published claims: {@link org.descent.experiment.reproduce.Preset}s, headline metrics with bootstrap intervals over seeds or prompts, and verdicts.
 */
package org.descent.experiment.reproduce;
