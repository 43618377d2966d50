/**
 * In-context classification (Shen, Zhou, Yang and Shen 2025): the single-layer linear-attention classifier, its
 * cross-entropy objective on a fixed training set of prompts, the exact global optimum, full-batch gradient descent,
 * the Bayes classifiers of the Gaussian-mixture task, and the rule that decides whether a loss gap falls at a linear
 * rate.
 */
package org.descent.classify;
