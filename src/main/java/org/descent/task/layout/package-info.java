/**
 * Prompt layouts: how a prompt of context pairs and a query becomes the tokens a model reads, and which token's
 * output is a prediction ({@link org.descent.task.layout.PromptLayout}). Samplers and oracles work on the canonical
 * {@link org.descent.task.PromptSet} (the concatenated layout); models encode through their layout.
 */
package org.descent.task.layout;
