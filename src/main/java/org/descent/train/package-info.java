/**
 * Training: the architecture-free Adam loop with per-step NDManager scopes ({@link org.descent.train.ModelTrainer}; the LSA through {@link org.descent.train.LsaTrainer}, GPT-2 through {@link org.descent.train.Gpt2Model}, the looped GPT-2 through {@link org.descent.train.LoopedGpt2Model}, the linear causal self-attention through {@link org.descent.train.CausalAttentionTrainer}), checkpointable
 * optimizer state, divergence handling and the checkpoint format ({@link org.descent.train.Checkpoints}).
 *
 * <p>One step, in the order {@link org.descent.train.ModelTrainer.Phase} times it: a host copy of the state the step
 * starts from (so a diverging step can save the last good state), sampling the batch, the prediction by the regrouped
 * readout ({@link org.descent.model.LinearSelfAttention#predict}) and the loss, autograd, one host read of the loss and
 * the squared gradient norm (divergence check, clipping), and the fused Adam update with the clipping factor folded
 * in ({@link org.descent.train.AdamOptimizer}). Every engine call on the CPU is synchronous, so the phase times are
 * each phase's own work; {@code descent bench} reports them.
 */
package org.descent.train;
