/**
 * Foreign checkpoints: models someone else trained, loaded behind descent's regressor contract so that every probe
 * runs on them unchanged (the README's contracts: tokens).
 *
 * <p>{@link org.descent.foreign.TorchScriptModel} loads a TorchScript {@code .pt} file through DJL's PyTorch engine
 * and implements {@link org.descent.regressor.QuerySensitivity}; it also exposes hidden states (when the module
 * exports {@code forward_with_hidden}) and named parameters for weight-structure probes.
 * {@link org.descent.foreign.TaskSidecar} reads the task a checkpoint was trained on from the JSON file beside it.
 * {@link org.descent.foreign.Gpt2Checkpoint} reads a GPT-2 in-context regressor (Garg et al.'s architecture) from
 * {@code model.safetensors} + {@code config.json} + the sidecar, natively, and validates it before any work.
 * Pickled state dicts are refused with a message on how to convert them ({@code scripts/convert_garg_checkpoint.py})
 * or export TorchScript. Test fixtures and the scripts that make them: {@code models/fixtures/},
 * {@code scripts/make_fixtures.py}, {@code scripts/make_gpt2_fixture.py}.
 */
package org.descent.foreign;
