package org.descent.classify;

/**
 * Full-batch gradient descent {@code θ_{t+1} = θ_t − η ∇L(θ_t)} on an {@link InContextClassificationLoss}, in double
 * precision, deterministic: the training algorithm whose convergence Shen et al. analyse, on a fixed training set so
 * that the loss gap {@code L(θ_t) − L*} can be measured down to ~1e-12.
 *
 * @param losses {@code L(θ_t)} for t = 0..T {@code [T + 1]}
 * @param distances {@code ‖θ_t − θ_ref‖₂} for t = 0..T when a reference was given, else null
 * @param theta θ_T {@code [d²]}
 * @param eta the step size
 */
public record FullBatchGradientDescent(double[] losses, double[] distances, double[] theta, double eta) {

    /**
     * Runs {@code steps} steps from {@code theta0}.
     *
     * @param reference θ* to record distances to, or null
     */
    public static FullBatchGradientDescent run(InContextClassificationLoss loss, double[] theta0, double eta,
            int steps, double[] reference) {
        if (!(eta > 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("gradient descent: step size must be positive and finite, got " + eta);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("gradient descent: steps must be at least 1, got " + steps);
        }
        double[] theta = theta0.clone();
        double[] losses = new double[steps + 1];
        double[] dist = reference == null ? null : new double[steps + 1];
        for (int t = 0; ; t++) {
            losses[t] = loss.value(theta);
            if (dist != null) {
                double s = 0;
                for (int k = 0; k < theta.length; k++) {
                    s += (theta[k] - reference[k]) * (theta[k] - reference[k]);
                }
                dist[t] = Math.sqrt(s);
            }
            if (t == steps) {
                break;
            }
            double[] g = loss.gradient(theta);
            for (int k = 0; k < theta.length; k++) {
                theta[k] -= eta * g[k];
            }
        }
        return new FullBatchGradientDescent(losses, dist, theta, eta);
    }
}
