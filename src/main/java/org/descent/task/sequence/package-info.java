/**
 * Sequence tasks: in-context learning of a linear dynamical system by next-token prediction (Zheng et al. 2024,
 * von Oswald et al. 2023, Sander et al. 2024).
 *
 * <p>A sequence is {@code x_1, …, x_{T+1}} in R^d with {@code x_{t+1} = W x_t (+ noise)}: one transition matrix W per
 * sequence, drawn from a {@link org.descent.task.sequence.TransitionClass}, and an initial token x_1 drawn from a
 * zero-mean Gaussian with per-coordinate scales. {@link org.descent.task.sequence.SequenceTaskConfig} describes the
 * task, {@link org.descent.task.sequence.SequenceSampler} draws sequences deterministically from a seed into a
 * {@link org.descent.task.sequence.SequenceSet} (double precision on the heap, convertible to float32 DJL arrays),
 * and {@link org.descent.task.sequence.SequencePredictor} is the contract shared by every next-token predictor (the
 * trained model, weight constructions, exact oracles). The family is separate from the regression
 * {@link org.descent.task.TaskConfig}: a sequence has no query and no label slot.
 */
package org.descent.task.sequence;
