/**
 * The one-layer linear causal self-attention of Zheng et al. 2024 for next-token prediction on sequences
 * ({@link org.descent.task.sequence}): its weights ({@link org.descent.model.causal.CausalAttentionWeights}, with the
 * one-step mesa-optimizer construction) and its DJL forward pass
 * ({@link org.descent.model.causal.LinearCausalSelfAttention}).
 */
package org.descent.model.causal;
