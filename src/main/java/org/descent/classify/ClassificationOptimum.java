package org.descent.classify;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * The global minimiser W* of an {@link InContextClassificationLoss}, computed exactly in double precision by damped
 * Newton's method (Cholesky solves of the d²×d² Hessian, Armijo backtracking): the objective is convex and, on a
 * non-separable training set, strictly convex, so the stationary point it converges to is the unique global minimum.
 *
 * <p>On a separable training set the infimum is 0 and is not attained (scaling a separating W lowers the loss
 * forever): {@link #of} refuses with a one-line error when its result separates the set (every margin positive, an
 * exact certificate) or Newton did not converge.
 *
 * @param w W* {@code [d, d]}
 * @param loss L* = L(W*)
 * @param gradientNorm ‖∇L(W*)‖₂ at the returned point
 * @param iterations Newton iterations taken
 * @param hessianEigenvalues eigenvalues of ∇²L(W*), ascending {@code [d²]}
 */
public record ClassificationOptimum(DMatrixRMaj w, double loss, double gradientNorm, int iterations,
        double[] hessianEigenvalues) {

    /** Newton stops when ‖∇L‖₂ falls below this (the double-precision floor of a mean over M prompts). */
    public static final double GRADIENT_TOLERANCE = 1e-13;
    static final int MAX_ITERATIONS = 100;
    /** Newton must at least reach this gradient norm, or the objective has no finite minimiser (separable data). */
    static final double CONVERGED_GRADIENT = 1e-8;

    /** Minimises {@code loss} from W = 0. */
    public static ClassificationOptimum of(InContextClassificationLoss loss) {
        int p = loss.parameters();
        double[] theta = new double[p];
        double value = loss.value(theta);
        double[] g = loss.gradient(theta);
        int it = 0;
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(p);
        while (norm(g) > GRADIENT_TOLERANCE && it < MAX_ITERATIONS) {
            DMatrixRMaj h = loss.hessian(theta);
            if (!solver.setA(h)) {
                throw new IllegalStateException("classification optimum: the Hessian is singular (the training set "
                        + "is separable or degenerate: no finite minimiser)");
            }
            DMatrixRMaj step = new DMatrixRMaj(p, 1);
            solver.solve(new DMatrixRMaj(p, 1, true, g), step);
            double slope = 0;
            for (int k = 0; k < p; k++) {
                slope -= g[k] * step.data[k];
            }
            double t = 1.0;
            double[] next = new double[p];
            double nextValue;
            while (true) {
                for (int k = 0; k < p; k++) {
                    next[k] = theta[k] - t * step.data[k];
                }
                nextValue = loss.value(next);
                if (nextValue <= value + 1e-4 * t * slope || t < 1e-10) {
                    break;
                }
                t *= 0.5;
            }
            it++;
            double[] nextG = loss.gradient(next);
            if (!(nextValue <= value) && norm(nextG) >= norm(g)) {
                break; // no progress left at double precision
            }
            theta = next;
            value = nextValue;
            g = nextG;
        }
        if (loss.separates(theta)) {
            throw new IllegalStateException("classification optimum: W classifies every training prompt correctly, so "
                    + "the training set is separable and the loss has no finite minimiser (its infimum 0 is not attained)");
        }
        if (!(norm(g) <= CONVERGED_GRADIENT)) {
            throw new IllegalStateException("classification optimum: Newton stopped at ‖∇L‖ = " + norm(g) + " after "
                    + it + " iterations; the training set is probably separable (no finite minimiser)");
        }
        DMatrixRMaj w = InContextClassificationLoss.unvec(theta, loss.d());
        return new ClassificationOptimum(w, value, norm(g), it,
                InContextClassificationLoss.eigenvalues(loss.hessian(theta)));
    }

    /** θ* = vec(W*). */
    public double[] theta() {
        return InContextClassificationLoss.vec(w);
    }

    /** The scale c of the best fit {@code W* ≈ c Λ⁻¹} (least squares in Frobenius norm). */
    public double scaleAgainst(DMatrixRMaj lambdaInverse) {
        double ab = 0;
        double bb = 0;
        for (int i = 0; i < w.data.length; i++) {
            ab += w.data[i] * lambdaInverse.data[i];
            bb += lambdaInverse.data[i] * lambdaInverse.data[i];
        }
        return ab / bb;
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
