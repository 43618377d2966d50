/**
 * Exact references in EJML double precision: gradient-descent oracles (plain, preconditioned, K-step, GD++), the LSA weight constructions that implement them, the optimal step size and preconditioner (closed form and Monte Carlo), step-size fitting and classical baselines; for sequences, the one-step mesa-optimizer oracles ({@link org.descent.oracle.MesaOptimizerOracle}) and their fits ({@link org.descent.oracle.MesaStepFitter}).
 */
package org.descent.oracle;
