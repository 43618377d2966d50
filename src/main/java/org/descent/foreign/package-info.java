/**
 * Foreign checkpoints: models someone else trained, loaded behind descent's regressor contract so that every probe
 * runs on them unchanged (the README's contracts: tokens).
 *
 * <p>{@link org.descent.foreign.TorchScriptModel} loads a TorchScript {@code .pt} file through DJL's PyTorch engine
 * and implements {@link org.descent.regressor.QuerySensitivity}; it also exposes hidden states (when the module
 * exports {@code forward_with_hidden}) and named parameters for weight-structure probes.
 * {@link org.descent.foreign.TaskSidecar} reads the task a checkpoint was trained on from the JSON file beside it.
 * Pickled state dicts are refused with a message on how to export TorchScript. Test fixtures and the script that
 * makes them: {@code models/fixtures/}, {@code scripts/make_fixtures.py}.
 */
package org.descent.foreign;
