/**
 * Adapters from checkpoints to {@link org.descent.probe.ModelUnderTest}: descent's own checkpoint folders and
 * TorchScript files ({@link org.descent.foreign.TorchScriptModel}), with LSA weights read from a foreign module's
 * parameters when they map onto an LSA and reproduce its predictions ({@link org.descent.probe.model.LsaParameterMapping}).
 */
package org.descent.probe.model;
