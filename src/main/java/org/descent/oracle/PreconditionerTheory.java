package org.descent.oracle;

import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The best one-step preconditioner Γ* for {@code ŷ = x_qᵀ Γ h}, {@code h = Σ_i y_i x_i / N}: in closed form and by
 * Monte-Carlo least squares.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code N} context examples; {@code Σ = E[x xᵀ]},
 * {@code Ω = E[w wᵀ]} (the weight prior's second moment), {@code G = E[h hᵀ]}, all {@code [d, d]}; σ label noise.
 *
 * <p><b>Derivation</b> (y = w·x + σε, N i.i.d. context examples and an independent query). The MSE of Γ is
 * {@code L(Γ) = tr(Γᵀ Σ Γ G) − 2 tr(Σ Γ Σ Ω) + tr(Σ Ω) + σ²}, minimised by {@code Γ* = Ω Σ G⁻¹}, with
 * {@code L(Γ*) = tr(ΣΩ) + σ² − tr(Σ Γ* Σ Ω)} and
 * {@code G = (1 − 1/N) ΣΩΣ + (E[(w·x)² x xᵀ] + σ² Σ) / N}. For x ~ N(0, Σ),
 * {@code E[(w·x)² x xᵀ] = 2ΣΩΣ + tr(ΩΣ) Σ}, so with Ω = I
 * <b>{@code Γ* = ((1 + 1/N) Σ + (tr Σ + σ²)/N · I)⁻¹}</b> (README, Closed forms; Ahn et al. 2023, Mahankali et al.
 * 2023), and
 * with Ω = Σ⁻¹, {@code Γ* = N/(N + 1 + d + σ²) · Σ⁻¹}. For isotropic inputs with independent coordinates
 * ({@code Σ = sI}, kurtosis κ, e.g. uniform) the fourth moment gains {@code (κ − 3) s² diag(Ω)}; with Ω = I this gives
 * {@code Γ* = η* I}, {@code η* = N / (s (N + κ + d − 2) + σ²)}, the closed form of {@link OptimalStepSize}.
 */
public final class PreconditionerTheory {
    private PreconditionerTheory() {}

    /**
     * Γ* of {@code task}, exact for linear labels ({@link TaskConfig#isLinearRegression()}, or sparse-linear with a
     * linear response, whose weight second moment is (k/d)·I) and Gaussian (any Σ) or isotropic uniform inputs.
     */
    public static DMatrixRMaj optimal(TaskConfig task) {
        return optimalFor(momentsOf(task));
    }

    /** Γ* for Gaussian inputs x ~ N(0, Σ), weight second moment Ω, N examples and noise σ. */
    public static DMatrixRMaj optimalGaussian(DMatrixRMaj sigma, DMatrixRMaj omega, int n, double noise) {
        return optimalFor(new Moments(sigma, omega, n, noise, 3.0));
    }

    /** The README's closed form literally: {@code ((1 + 1/N) Σ + (tr Σ + σ²)/N · I)⁻¹} (Gaussian x, w ~ N(0, I)). */
    public static DMatrixRMaj ahnClosedForm(DMatrixRMaj sigma, int n, double noise) {
        checkSquare(sigma, "Σ");
        int d = sigma.numRows;
        DMatrixRMaj m = sigma.copy();
        CommonOps_DDRM.scale(1.0 + 1.0 / n, m);
        double shift = (CommonOps_DDRM.trace(sigma) + noise * noise) / n;
        for (int k = 0; k < d; k++) {
            m.add(k, k, shift);
        }
        DMatrixRMaj inv = new DMatrixRMaj(d, d);
        if (!CommonOps_DDRM.invert(m, inv)) {
            throw new IllegalArgumentException("Γ*: (1+1/N)Σ + (trΣ+σ²)/N·I is singular");
        }
        return inv;
    }

    /** {@code G = E[h hᵀ]} of {@code task}, {@code [d, d]}. */
    public static DMatrixRMaj contextMomentMatrix(TaskConfig task) {
        return contextMoment(momentsOf(task));
    }

    /** The exact MSE {@code E[(x_qᵀ Γ h − y_q)²]} of the one-step preconditioner Γ on {@code task}. */
    public static double expectedLoss(TaskConfig task, DMatrixRMaj gamma) {
        Moments m = momentsOf(task);
        checkSquare(gamma, "Γ");
        if (gamma.numRows != m.sigma.numRows) {
            throw new IllegalArgumentException("Γ is " + gamma.numRows + "x" + gamma.numCols + " but d = "
                    + m.sigma.numRows);
        }
        DMatrixRMaj g = contextMoment(m);
        DMatrixRMaj sg = mult(m.sigma, gamma); // ΣΓ
        double quad = CommonOps_DDRM.trace(mult(mult(CommonOps_DDRM.transpose(gamma, null), sg), g));
        double cross = CommonOps_DDRM.trace(mult(mult(sg, m.sigma), m.omega));
        double base = CommonOps_DDRM.trace(mult(m.sigma, m.omega)) + m.noise * m.noise;
        return quad - 2 * cross + base;
    }

    /** The MSE of Γ*: {@code tr(ΣΩ) + σ² − tr(Σ Γ* Σ Ω)}. */
    public static double optimalLoss(TaskConfig task) {
        return expectedLoss(task, optimal(task));
    }

    /**
     * The Monte-Carlo least-squares optimal Γ on a fixed prompt set: least squares of the targets on
     * {@code x_q ⊗ h} (see {@link PgdFeatureRegression}). Its standard errors come from batch means over
     * {@code batches} disjoint contiguous blocks.
     *
     * @param prompts Monte-Carlo prompts; at least {@code batches · d²} of them
     * @param batches number of blocks for the standard errors, at least 2
     */
    public static MonteCarloEstimate monteCarloOptimal(PromptSet prompts, int batches) {
        int d = prompts.d();
        if (batches < 2 || prompts.size() < batches * d * d) {
            throw new IllegalArgumentException("Monte-Carlo Γ: need batches >= 2 and at least batches·d² = "
                    + Math.max(2, batches) * d * d + " prompts, got batches=" + batches + " and " + prompts.size()
                    + " prompts");
        }
        double[] targets = prompts.targets();
        PgdFeatureRegression.Accumulator all = new PgdFeatureRegression.Accumulator(d);
        DMatrixRMaj sum = new DMatrixRMaj(d, d);
        DMatrixRMaj sumSq = new DMatrixRMaj(d, d);
        int per = prompts.size() / batches;
        for (int k = 0; k < batches; k++) {
            int from = k * per;
            int to = k == batches - 1 ? prompts.size() : from + per;
            PromptSet block = prompts.slice(from, to);
            double[] r = java.util.Arrays.copyOfRange(targets, from, to);
            PgdFeatureRegression.Accumulator one = new PgdFeatureRegression.Accumulator(d).add(block, r);
            DMatrixRMaj g = one.solve();
            CommonOps_DDRM.addEquals(sum, g);
            CommonOps_DDRM.elementMult(g, g);
            CommonOps_DDRM.addEquals(sumSq, g);
            all.add(block, r);
        }
        DMatrixRMaj gamma = all.solve();
        DMatrixRMaj se = new DMatrixRMaj(d, d);
        for (int i = 0; i < d * d; i++) {
            double mean = sum.data[i] / batches;
            double var = (sumSq.data[i] - batches * mean * mean) / (batches - 1);
            se.data[i] = Math.sqrt(Math.max(var, 0) / batches);
        }
        double[] fitted = PgdFeatureRegression.predict(prompts, gamma);
        double mse = 0;
        for (int b = 0; b < fitted.length; b++) {
            double e = fitted[b] - targets[b];
            mse += e * e;
        }
        return new MonteCarloEstimate(gamma, se, mse / fitted.length, prompts.size());
    }

    /**
     * A Monte-Carlo estimate of Γ*.
     *
     * @param gamma the least-squares Γ over all prompts, {@code [d, d]}
     * @param standardError per-entry batch-means standard error, {@code [d, d]}
     * @param mse the MSE of {@code gamma} on the prompts
     * @param prompts number of prompts
     */
    public record MonteCarloEstimate(DMatrixRMaj gamma, DMatrixRMaj standardError, double mse, int prompts) {
        public MonteCarloEstimate {
            gamma = gamma.copy();
            standardError = standardError.copy();
        }

        @Override
        public DMatrixRMaj gamma() {
            return gamma.copy();
        }

        @Override
        public DMatrixRMaj standardError() {
            return standardError.copy();
        }
    }

    /** The symmetric square root {@code S^{1/2}} of a symmetric positive semi-definite matrix. */
    public static DMatrixRMaj symmetricSqrt(DMatrixRMaj spd) {
        checkSquare(spd, "matrix");
        int d = spd.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(spd.copy())) {
            throw new IllegalArgumentException("square root: eigen-decomposition failed");
        }
        DMatrixRMaj out = new DMatrixRMaj(d, d);
        for (int k = 0; k < d; k++) {
            double l = eig.getEigenvalue(k).getReal();
            if (l < -1e-12 * Math.max(1, Math.abs(l))) {
                throw new IllegalArgumentException("square root: matrix is not positive semi-definite (eigenvalue "
                        + l + ")");
            }
            DMatrixRMaj v = eig.getEigenVector(k);
            double s = Math.sqrt(Math.max(l, 0));
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    out.add(i, j, s * v.get(i) * v.get(j));
                }
            }
        }
        return out;
    }

    /** {@code Σ^{1/2} Γ Σ^{1/2}}, the preconditioner in whitened coordinates (∝ I exactly when Γ ∝ Σ⁻¹). */
    public static DMatrixRMaj whitened(DMatrixRMaj sigma, DMatrixRMaj gamma) {
        DMatrixRMaj root = symmetricSqrt(sigma);
        return mult(mult(root, gamma), root);
    }

    // ---- internals ----

    /** Second moments of a linear task: Σ, Ω, N, σ, and the per-coordinate kurtosis κ (3 = Gaussian term only). */
    private record Moments(DMatrixRMaj sigma, DMatrixRMaj omega, int n, double noise, double kurtosis) {}

    private static Moments momentsOf(TaskConfig task) {
        boolean linearLabels = task.response().equals(TaskConfig.RESPONSE_LINEAR)
                && (task.family().equals(TaskConfig.FAMILY_LINEAR)
                        || task.family().equals(TaskConfig.FAMILY_SPARSE_LINEAR));
        if (!linearLabels) {
            throw new IllegalArgumentException("Γ*: the closed form needs linear labels y = w·x + noise; task has family"
                    + " \"" + task.family() + "\" and response \"" + task.response() + "\" (use monteCarloOptimal)");
        }
        DMatrixRMaj omega = task.weightCovariance();
        if (task.family().equals(TaskConfig.FAMILY_SPARSE_LINEAR)) {
            CommonOps_DDRM.scale((double) task.sparsity() / task.d(), omega); // E[w wᵀ] = (k/d) I
        }
        double kurtosis = task.hasIsotropicInputs() ? task.inputMoments().kurtosis() : 3.0;
        return new Moments(task.inputCovariance(), omega, task.n(), task.noise(), kurtosis);
    }

    private static DMatrixRMaj contextMoment(Moments m) {
        checkSquare(m.sigma, "Σ");
        checkSquare(m.omega, "Ω");
        int d = m.sigma.numRows;
        if (m.omega.numRows != d) {
            throw new IllegalArgumentException("Γ*: Σ is " + d + "x" + d + " but Ω is " + m.omega.numRows + "x"
                    + m.omega.numCols);
        }
        if (m.n <= 0) {
            throw new IllegalArgumentException("Γ*: N must be positive, got " + m.n);
        }
        DMatrixRMaj sos = mult(mult(m.sigma, m.omega), m.sigma); // ΣΩΣ
        double trOs = CommonOps_DDRM.trace(mult(m.omega, m.sigma));
        DMatrixRMaj g = sos.copy();
        CommonOps_DDRM.scale(1.0 - 1.0 / m.n + 2.0 / m.n, g); // (1 − 1/N) ΣΩΣ + 2ΣΩΣ/N
        CommonOps_DDRM.addEquals(g, (trOs + m.noise * m.noise) / m.n, m.sigma);
        if (m.kurtosis != 3.0) {
            double s = m.sigma.get(0, 0); // isotropic: Σ = s I
            for (int k = 0; k < d; k++) {
                g.add(k, k, (m.kurtosis - 3.0) * s * s * m.omega.get(k, k) / m.n);
            }
        }
        return g;
    }

    private static DMatrixRMaj optimalFor(Moments m) {
        DMatrixRMaj g = contextMoment(m);
        DMatrixRMaj gInv = new DMatrixRMaj(g.numRows, g.numCols);
        if (!CommonOps_DDRM.invert(g, gInv)) {
            throw new IllegalArgumentException("Γ*: E[h hᵀ] is singular");
        }
        return mult(mult(m.omega, m.sigma), gInv);
    }

    private static DMatrixRMaj mult(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj out = new DMatrixRMaj(a.numRows, b.numCols);
        CommonOps_DDRM.mult(a, b, out);
        return out;
    }

    private static void checkSquare(DMatrixRMaj m, String what) {
        if (m.numRows != m.numCols || m.numRows == 0) {
            throw new IllegalArgumentException(what + " must be square and non-empty, got " + m.numRows + "x"
                    + m.numCols);
        }
    }
}
