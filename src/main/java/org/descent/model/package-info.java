/**
 * The linear-self-attention transformer: its forward pass ({@link org.descent.model.LinearSelfAttention}), the trainable DJL block ({@link org.descent.model.LsaTransformerBlock}), double-precision weights ({@link org.descent.model.LsaWeights}) and their float64 evaluation with autograd sensitivities ({@link org.descent.model.LsaRegressor}).
 */
package org.descent.model;
