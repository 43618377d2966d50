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
 * {@code pgd-fit}: the behavioural preconditioned-GD fit (works for any black box). Least squares of the model's
 * predictions on the d² features {@code x_q ⊗ h} over the <b>fit split</b> gives the Γ of the one-step PGD
 * {@code ŷ = x_qᵀ Γ h} closest to the model; the match is judged on the <b>judge split</b> (held-out prompts), so a
 * fit with d² free entries cannot explain noise it was fitted to. The fit needs at least
 * {@link org.descent.probe.BehaviouralFits#MIN_PROMPTS_PER_PGD_PARAMETER}·d² fit prompts; with fewer (or d &gt; 50)
 * no Γ is fitted and the verdicts are inconclusive, with the reason.
 *
 * <p>Dimension glossary: {@code B} test prompts, {@code F} fit prompts, {@code J} judge prompts, {@code d} input
 * dimension, {@code Γ [d, d]}, {@code φ = x_q ⊗ h [d²]}, {@code Σ [d, d]} the input covariance.
 *
 * <p>Intervals: held-out relative SPD and R² resample judge prompts with Γ fixed; quantities of Γ (Dist₊(Γ, I), the
 * descent margin, ‖Γ − Γ*‖/‖Γ*‖) refit Γ on {@code blocks} contiguous blocks of fit prompts resampled with
 * replacement ({@code blockResamples} times). The blocks' normal equations take d⁴ doubles each; their number is
 * capped so that they fit in {@value #BLOCK_MEMORY_BYTES} bytes (fewer than 10 blocks: no Γ intervals, those criteria
 * inconclusive).
 *
 * <p>Verdicts: {@code preconditioned-gd}: held-out relative SPD to the fitted PGD at most {@code maxRelativeSpd}
 * (sufficient), descent margin λ_min(sym Γ)/max|λ(sym Γ)| ≥ {@link Evidence#MIN_DESCENT_MARGIN} (necessary: a negative-definite "preconditioner"
 * ascends), and, with Jacobians, the mean per-prompt cosine of ∂ŷ/∂x_q with Γ_fit h at least {@code minModelCos}
 * (necessary). {@code one-step-gd}: Dist₊(Γ_fit, I) = min_{α≥0} ‖Γ − αI‖_F/‖Γ‖_F at most {@code maxDistanceToIdentity}
 * (necessary; scale-free and sign-aware).
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
        m.put("maxRelativeSpd", 0.01);
        m.put("minModelCos", 0.995);
        m.put("maxDistanceToIdentity", 0.2);
        m.put("blocks", 50);
        m.put("blockResamples", 200);
        return m;
    }

    /** Memory for the block bootstrap's normal equations. */
    static final long BLOCK_MEMORY_BYTES = 256L << 20;

    @Override
    public ProbeResult run(ProbeContext ctx) {
        double maxRel = ctx.params().getDouble("maxRelativeSpd");
        double maxDist = ctx.params().getDouble("maxDistanceToIdentity");
        int blocks = ctx.params().getInt("blocks", 2);
        int resamples = ctx.params().getInt("blockResamples", 10);
        org.descent.probe.BehaviouralFits fits = ctx.fits();
        PromptSet fitSet = fits.fitSet();
        PromptSet judge = fits.judgeSet();
        int d = judge.d();
        ProbeResult.Builder out = ProbeResult.builder(NAME);
        org.descent.probe.BehaviouralFits.PgdResult pgd = fits.pgd();
        out.metric("fit_prompts", fitSet.size());
        out.metric("judge_prompts", judge.size());
        if (pgd.get().isEmpty()) {
            String why = "no Γ fitted: " + pgd.unavailable();
            out.metric("unavailable", pgd.unavailable());
            out.verdict(Verdict.of(Hypotheses.PRECONDITIONED_GD, List.of(Evidence.unmeasured(
                    "relative SPD vs fitted PGD, held out", Evidence.Comparison.AT_MOST, maxRel)), why));
            out.verdict(Verdict.of(Hypotheses.ONE_STEP_GD, List.of(Evidence.unmeasured("Dist₊(Γ_fit, I)",
                    Evidence.Comparison.AT_MOST, maxDist)), why));
            out.note(why);
            out.paragraph("The behavioural PGD fit was not made: " + pgd.unavailable() + ". With fewer prompts than "
                    + "about 10 per fitted entry, the d² entries of Γ interpolate the model's predictions and any "
                    + "model would appear to be preconditioned GD.");
            return out.build();
        }
        PgdFeatureRegression.Fit fit = pgd.get().orElseThrow();
        DMatrixRMaj gamma = fit.gamma();
        ReferenceAlgorithms.Preconditioner star = ctx.references().gammaStar();
        DMatrixRMaj sigma = ctx.task().inputCovariance();

        // Held-out match: relative SPD and R² on the judge split, Γ fixed.
        double[] modelJ = fits.modelOnJudge();
        double[] fitted = PgdFeatureRegression.predict(judge, gamma);
        double[] sq = ProbeStatistics.squaredDifferences(modelJ, fitted);
        Bootstrap.Interval rel = ctx.bootstrap().ratio("pgd-relative-spd", sq, ProbeStatistics.squares(modelJ));
        Bootstrap.Interval r2 = ProbeStatistics.oneMinus(ctx.bootstrap().ratio("pgd-unexplained", sq,
                ProbeStatistics.squaredDeviations(modelJ)));

        double dist = nonZero(gamma) ? AlgorithmDistances.distanceToPositiveIdentity(gamma) : Double.NaN;
        double margin = nonZero(gamma) ? AlgorithmDistances.descentMargin(gamma) : 0; // Γ = 0 takes no step
        double relStar = Matrices.relativeError(gamma, star.gamma());
        DMatrixRMaj whitened = PreconditionerTheory.whitened(sigma, gamma);
        double whitenedDist = nonZero(whitened) ? AlgorithmDistances.distanceToIdentity(whitened) : Double.NaN;

        // Block bootstrap of Γ-derived quantities over the fit split, within a memory budget.
        long perBlock = 8L * d * d * d * d + 8L * d * d;
        int nb = (int) Math.min(Math.min(blocks, fitSet.size()), BLOCK_MEMORY_BYTES / perBlock);
        Bootstrap.Interval distCi;
        Bootstrap.Interval marginCi;
        Bootstrap.Interval relCi;
        double level = ctx.bootstrap().level();
        if (nb >= 10) {
            BlockNormalEquations normal = new BlockNormalEquations(fitSet, fits.modelOnFit(), nb);
            double[] distRep = new double[resamples];
            double[] marginRep = new double[resamples];
            double[] relRep = new double[resamples];
            SplittableRandom rng = new SplittableRandom(ctx.seed("pgd-blocks"));
            int[] counts = new int[nb];
            for (int r = 0; r < resamples; r++) {
                java.util.Arrays.fill(counts, 0);
                for (int i = 0; i < nb; i++) {
                    counts[rng.nextInt(nb)]++;
                }
                DMatrixRMaj g = normal.solve(counts);
                boolean nz = nonZero(g);
                distRep[r] = nz ? AlgorithmDistances.distanceToPositiveIdentity(g) : Double.NaN;
                marginRep[r] = nz ? AlgorithmDistances.descentMargin(g) : 0;
                relRep[r] = Matrices.relativeError(g, star.gamma());
            }
            distCi = ProbeStatistics.percentile(dist, distRep, level);
            marginCi = ProbeStatistics.percentile(margin, marginRep, level);
            relCi = ProbeStatistics.percentile(relStar, relRep, level);
        } else {
            distCi = new Bootstrap.Interval(dist, Double.NaN, Double.NaN, level, 0);
            marginCi = new Bootstrap.Interval(margin, Double.NaN, Double.NaN, level, 0);
            relCi = new Bootstrap.Interval(relStar, Double.NaN, Double.NaN, level, 0);
            out.note(String.format(Locale.ROOT, "d = %d: only %d blocks of d⁴ normal equations fit in %d MB; no "
                    + "intervals for quantities of Γ", d, nb, BLOCK_MEMORY_BYTES >> 20));
        }

        out.metric("gamma_fit", Matrices.rows(gamma));
        out.metric("relative_spd", rel.estimate());
        out.metric("relative_spd_ci", List.of(rel.lower(), rel.upper()));
        out.metric("r_squared", r2.estimate());
        out.metric("r_squared_ci", List.of(r2.lower(), r2.upper()));
        out.metric("in_sample_r_squared", fit.rSquared());
        out.metric("residual_mse", fit.residualMse());
        out.metric("gamma_star", Matrices.rows(star.gamma()));
        out.metric("gamma_star_method", star.method());
        out.metric("relative_error_to_gamma_star", relStar);
        out.metric("relative_error_to_gamma_star_ci", List.of(relCi.lower(), relCi.upper()));
        out.metric("distance_to_identity", dist);
        out.metric("distance_to_identity_ci", List.of(distCi.lower(), distCi.upper()));
        out.metric("descent_margin", margin);
        out.metric("descent_margin_ci", List.of(marginCi.lower(), marginCi.upper()));
        out.metric("whitened_distance_to_identity", whitenedDist);
        out.metric("scalar_fit", CommonOps_DDRM.trace(gamma) / d);
        out.metric("blocks", nb);

        Evidence descent = Evidence.decide("descent margin λ_min(sym Γ_fit)/max|λ|", marginCi,
                Evidence.Comparison.AT_LEAST, Evidence.MIN_DESCENT_MARGIN);
        List<Evidence> pgdEvidence = new ArrayList<>(List.of(
                Evidence.decide("relative SPD vs fitted PGD, held out", rel, Evidence.Comparison.AT_MOST, maxRel)
                        .sufficient(), descent));
        java.util.Optional<double[][]> jac = ctx.modelJacobians();
        if (jac.isPresent()) {
            // a PGD step's Jacobian is Γ h on every prompt: per-prompt cosines catch sign flips that the
            // energy-weighted relative SPD cannot see on low-magnitude prompts
            int off = fits.judgeOffset();
            double[][] jm = ProbeStatistics.rows(jac.get(), off, off + judge.size());
            double[][] jp = org.descent.oracle.GradientDescentOracle.preconditioned(gamma).queryJacobians(judge);
            Bootstrap.Interval cos = ctx.bootstrap().mean("pgd-model-cos", ProbeStatistics.cosines(jm, jp));
            out.metric("model_cos_pgd", cos.estimate());
            pgdEvidence.add(Evidence.decide("model cos vs fitted PGD", cos, Evidence.Comparison.AT_LEAST,
                    ctx.params().getDouble("minModelCos")));
        }
        out.verdict(Verdict.of(Hypotheses.PRECONDITIONED_GD, pgdEvidence));
        out.verdict(Verdict.of(Hypotheses.ONE_STEP_GD, List.of(
                Evidence.decide("Dist₊(Γ_fit, I)", distCi, Evidence.Comparison.AT_MOST, maxDist))));

        out.paragraph(String.format(Locale.ROOT, "Least squares of ŷ on the %d features x_q ⊗ h over %d fit prompts, "
                + "judged on %d held-out prompts: relative SPD %s, R² %s (in-sample R² %s); "
                + "‖Γ_fit − Γ\\*‖_F/‖Γ\\*‖_F = %s (Γ\\* by %s); Dist₊(Γ_fit, I) = min_{α≥0} ‖Γ − αI‖_F/‖Γ‖_F = %s; "
                + "descent margin λ_min(sym Γ)/max|λ| = %s; Dist(Σ^{1/2} Γ_fit Σ^{1/2}, I) = %s; tr(Γ_fit)/d = %s.",
                d * d, fitSet.size(), judge.size(), ProbeStatistics.interval(rel), ProbeStatistics.interval(r2),
                ProbeStatistics.num(fit.rSquared()), ProbeStatistics.interval(relCi), star.method(),
                ProbeStatistics.interval(distCi), ProbeStatistics.interval(marginCi),
                ProbeStatistics.num(whitenedDist), ProbeStatistics.num(CommonOps_DDRM.trace(gamma) / d)));
        // one colour scale for both maps, so that they can be compared cell by cell
        org.descent.report.HeatMap.Scale shared = org.descent.report.HeatMap.Scale.symmetric(Matrices.rows(gamma),
                Matrices.rows(star.gamma()));
        out.figure("gamma-fit", "fitted Γ (same colour scale as Γ*)", Plots.heatMap("Γ_fit (behavioural PGD fit)",
                Matrices.rows(gamma), shared));
        out.figure("gamma-star", "Γ* (same colour scale as Γ_fit)", Plots.heatMap("Γ* (" + star.method() + ")",
                Matrices.rows(star.gamma()), shared));
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
