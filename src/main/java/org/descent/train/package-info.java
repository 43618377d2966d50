/**
 * Training: the Adam loop with per-step NDManager scopes ({@link org.descent.train.LsaTrainer}), checkpointable optimizer state, divergence handling and the checkpoint format ({@link org.descent.train.Checkpoints}).
 */
package org.descent.train;
