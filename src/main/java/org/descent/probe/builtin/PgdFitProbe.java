package org.descent.probe.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.descent.compare.AlgorithmDistances;
import org.descent.compare.Bootstrap;
import org.descent.oracle.PgdFeatureRegression;
import org.descent.oracle.PreconditionerTheory;
import org.descent.probe.Evidence;
import org.descent.probe.Hypotheses;
import org.descent.probe.Matrices;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.ReferenceAlgorithms;
import org.descent.probe.Verdict;
import org.descent.report.Plots;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * {@code pgd-fit}: the behavioural preconditioned-GD fit (DESIGN §2, works for any black box). Least squares of the
 * model's predictions on the d² features {@code x_q ⊗ h} gives the Γ of the one-step PGD {@code ŷ = x_qᵀ Γ h} closest
 * to the model, the R² of that match, and the distances of Γ to the theory's Γ* and to a multiple of I.
 *
 * <p>Dimension glossary: {@code B} test prompts, {@code d} input dimension, {@code Γ [d, d]}, {@code φ = x_q ⊗ h
 * [d²]}, {@code Σ [d, d]} the input covariance.
 *
 * <p>Intervals: the R² interval resamples prompts with the fit held fixed; intervals of quantities of Γ (Dist(Γ, I),
 * ‖Γ − Γ*‖/‖Γ*‖) refit Γ on {@code blocks} contiguous blocks of prompts resampled with replacement
 * ({@code blockResamples} times).
 *
 * <p>Verdicts: {@code preconditioned-gd} needs R² ≥ {@code minR2}; {@code one-step-gd} needs that and
 * Dist(Γ, I) ≤ {@code maxDistanceToIdentity} (plain GD is Γ = ηI).
 */
public final class PgdFitProbe implements Probe {
    public static final String NAME = "pgd-fit";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "behavioural fit of ŷ on x_q ⊗ h: fitted Γ, R², distance to Γ* and to a multiple of I; verdicts on"
                + " preconditioned and one-step GD";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("minR2", 0.999);
        m.put("maxDistanceToIdentity", 0.05);
        m.put("blocks", 50);
        m.put("blockResamples", 200);
        return m;
    }

    @Override
    public ProbeResult run(ProbeContext ctx) {
        double minR2 = ctx.params().getDouble("minR2");
        double maxDist = ctx.params().getDouble("maxDistanceToIdentity");
        int blocks = ctx.params().getInt("blocks", 2);
        int resamples = ctx.params().getInt("blockResamples", 10);
        PromptSet test = ctx.test();
        int d = test.d();
        double[] model = ctx.modelPredictions();
        PgdFeatureRegression.Fit fit = PgdFeatureRegression.fit(test, model);
        DMatrixRMaj gamma = fit.gamma();
        ReferenceAlgorithms.Preconditioner star = ctx.references().gammaStar();
        DMatrixRMaj sigma = ctx.task().inputCovariance();

        // R² with its interval (fit fixed, prompts resampled): 1 − R² = Σ residual² / Σ (ŷ − mean ŷ)².
        double[] fitted = PgdFeatureRegression.predict(test, gamma);
        Bootstrap.Interval unexplained = ctx.bootstrap().ratio("pgd-unexplained",
                ProbeStatistics.squaredDifferences(model, fitted), ProbeStatistics.squaredDeviations(model));
        Bootstrap.Interval r2 = ProbeStatistics.oneMinus(unexplained);

        double dist = nonZero(gamma) ? AlgorithmDistances.distanceToIdentity(gamma) : Double.NaN;
        double relStar = Matrices.relativeError(gamma, star.gamma());
        DMatrixRMaj whitened = PreconditionerTheory.whitened(sigma, gamma);
        double whitenedDist = nonZero(whitened) ? AlgorithmDistances.distanceToIdentity(whitened) : Double.NaN;

        // Block bootstrap of Γ-derived quantities.
        int nb = Math.min(blocks, test.size());
        BlockNormalEquations normal = new BlockNormalEquations(test, model, nb);
        double[] distRep = new double[resamples];
        double[] relRep = new double[resamples];
        SplittableRandom rng = new SplittableRandom(ctx.seed("pgd-blocks"));
        int[] counts = new int[nb];
        for (int r = 0; r < resamples; r++) {
            java.util.Arrays.fill(counts, 0);
            for (int i = 0; i < nb; i++) {
                counts[rng.nextInt(nb)]++;
            }
            DMatrixRMaj g = normal.solve(counts);
            distRep[r] = nonZero(g) ? AlgorithmDistances.distanceToIdentity(g) : Double.NaN;
            relRep[r] = Matrices.relativeError(g, star.gamma());
        }
        double level = ctx.bootstrap().level();
        Bootstrap.Interval distCi = ProbeStatistics.percentile(dist, distRep, level);
        Bootstrap.Interval relCi = ProbeStatistics.percentile(relStar, relRep, level);

        ProbeResult.Builder out = ProbeResult.builder(NAME);
        out.metric("gamma_fit", Matrices.rows(gamma));
        out.metric("r_squared", r2.estimate());
        out.metric("r_squared_ci", List.of(r2.lower(), r2.upper()));
        out.metric("residual_mse", fit.residualMse());
        out.metric("gamma_star", Matrices.rows(star.gamma()));
        out.metric("gamma_star_method", star.method());
        out.metric("relative_error_to_gamma_star", relStar);
        out.metric("relative_error_to_gamma_star_ci", List.of(relCi.lower(), relCi.upper()));
        out.metric("distance_to_identity", dist);
        out.metric("distance_to_identity_ci", List.of(distCi.lower(), distCi.upper()));
        out.metric("whitened_distance_to_identity", whitenedDist);
        out.metric("scalar_fit", CommonOps_DDRM.trace(gamma) / d);
        out.metric("prompts", test.size());

        out.verdict(Verdict.allOf(Hypotheses.PRECONDITIONED_GD,
                List.of(Evidence.decide("R² of ŷ on x_q ⊗ h", r2, Evidence.Comparison.AT_LEAST, minR2))));
        List<Evidence> oneStep = new ArrayList<>();
        oneStep.add(Evidence.decide("R² of ŷ on x_q ⊗ h", r2, Evidence.Comparison.AT_LEAST, minR2));
        oneStep.add(Evidence.decide("Dist(Γ_fit, I)", distCi, Evidence.Comparison.AT_MOST, maxDist));
        out.verdict(Verdict.allOf(Hypotheses.ONE_STEP_GD, oneStep));

        out.paragraph(String.format(Locale.ROOT, "Least squares of ŷ on the %d features x_q ⊗ h over %d prompts: "
                + "R² = %s; ‖Γ_fit − Γ*‖_F/‖Γ*‖_F = %s (Γ* by %s); Dist(Γ_fit, I) = min_α ‖Γ − αI‖_F/‖Γ‖_F = %s; "
                + "Dist(Σ^{1/2} Γ_fit Σ^{1/2}, I) = %s; tr(Γ_fit)/d = %s.", d * d, test.size(),
                ProbeStatistics.interval(r2), ProbeStatistics.interval(relCi), star.method(),
                ProbeStatistics.interval(distCi), ProbeStatistics.num(whitenedDist),
                ProbeStatistics.num(CommonOps_DDRM.trace(gamma) / d)));
        out.figure("gamma-fit", "fitted Γ", Plots.heatMap("Γ_fit (behavioural PGD fit)", Matrices.rows(gamma)));
        out.figure("gamma-star", "Γ*", Plots.heatMap("Γ* (" + star.method() + ")", Matrices.rows(star.gamma())));
        return out.build();
    }

    private static boolean nonZero(DMatrixRMaj m) {
        for (double v : m.data) {
            if (v != 0) {
                return true;
            }
        }
        return false;
    }

    /** Normal equations {@code Σ φφᵀ, Σ φ ŷ} per block of prompts, summed with multiplicities and solved. */
    private static final class BlockNormalEquations {
        private final int d2;
        private final DMatrixRMaj[] grams;
        private final DMatrixRMaj[] rhs;

        BlockNormalEquations(PromptSet prompts, double[] responses, int blocks) {
            int d = prompts.d();
            d2 = d * d;
            grams = new DMatrixRMaj[blocks];
            rhs = new DMatrixRMaj[blocks];
            int per = prompts.size() / blocks;
            for (int k = 0; k < blocks; k++) {
                int from = k * per;
                int to = k == blocks - 1 ? prompts.size() : from + per;
                DMatrixRMaj g = new DMatrixRMaj(d2, d2);
                DMatrixRMaj r = new DMatrixRMaj(d2, 1);
                for (int b = from; b < to; b++) {
                    double[] phi = PgdFeatureRegression.features(prompts, b);
                    for (int i = 0; i < d2; i++) {
                        double pi = phi[i];
                        if (pi == 0) {
                            continue;
                        }
                        r.data[i] += pi * responses[b];
                        int row = i * d2;
                        for (int j = 0; j < d2; j++) {
                            g.data[row + j] += pi * phi[j];
                        }
                    }
                }
                grams[k] = g;
                rhs[k] = r;
            }
        }

        DMatrixRMaj solve(int[] counts) {
            DMatrixRMaj g = new DMatrixRMaj(d2, d2);
            DMatrixRMaj r = new DMatrixRMaj(d2, 1);
            for (int k = 0; k < counts.length; k++) {
                if (counts[k] > 0) {
                    CommonOps_DDRM.addEquals(g, counts[k], grams[k]);
                    CommonOps_DDRM.addEquals(r, counts[k], rhs[k]);
                }
            }
            DMatrixRMaj x = new DMatrixRMaj(d2, 1);
            if (!CommonOps_DDRM.solveSPD(g.copy(), r, x)) {
                LinearSolverDense<DMatrixRMaj> pinv = LinearSolverFactory_DDRM.pseudoInverse(true);
                pinv.setA(g);
                pinv.solve(r, x);
            }
            int d = (int) Math.round(Math.sqrt(d2));
            return DMatrixRMaj.wrap(d, d, x.data);
        }
    }
}
