package org.descent.train;

import org.descent.model.gpt2.Gpt2Weights;

/**
 * A host-side snapshot of a GPT-2 training run: everything it needs to continue exactly.
 *
 * @param weights model weights (float32, canonical names)
 * @param adamMeans Adam first moments, one flat float array per parameter in canonical order
 * @param adamVariances Adam second moments, same layout
 * @param step number of completed optimiser steps
 * @param losses training loss of every completed step ({@code [step]})
 */
public record Gpt2TrainingState(Gpt2Weights weights, float[][] adamMeans, float[][] adamVariances, int step,
        float[] losses) {}
