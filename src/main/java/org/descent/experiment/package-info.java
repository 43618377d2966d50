/**
 * Experiments end to end: configs, the verify pipeline ({@link org.descent.experiment.OneStepGdExperiment}) and what
 * it writes besides the report ({@link org.descent.experiment.VerifyOutputs}), frozen evaluation datasets with the
 * ground truth of their prompts.
 */
package org.descent.experiment;
