package org.descent.train;

import org.descent.model.LsaWeights;

/**
 * A host-side snapshot of everything a run needs to continue exactly: weights, Adam moments and the loss history.
 *
 * @param weights model weights
 * @param adamMeans Adam first moments, one flat float array per parameter (layer-major, W_Q, W_K, W_V, P)
 * @param adamVariances Adam second moments, same layout
 * @param step number of completed optimiser steps
 * @param losses training loss of every completed step ({@code [step]})
 */
public record TrainingState(LsaWeights weights, float[][] adamMeans, float[][] adamVariances, int step,
        float[] losses) {}
