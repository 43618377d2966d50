/**
 * Experiments end to end: configs, the verify pipeline ({@link org.descent.experiment.OneStepGdExperiment}), frozen evaluation datasets.
 */
package org.descent.experiment;
