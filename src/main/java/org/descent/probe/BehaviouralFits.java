package org.descent.probe;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.descent.oracle.PgdFeatureRegression;
import org.descent.oracle.StepSizeFitter;
import org.descent.task.PromptSet;
import org.ejml.data.DMatrixRMaj;

/**
 * The free parameters of each hypothesis fitted to the model under test, on prompts that never judge it. The run's
 * test prompts are split in two halves: the <b>fit split</b> (the first half) estimates η_fit, Γ_fit, step sizes,
 * the number of steps, Newton's α and ridge's λ from the model's own predictions; the <b>judge split</b> (the second
 * half) is where every verdict is decided. Where a choice among fitted models is made (the number of steps K), the
 * parameters are fitted on the first {@code fitPrompts} of the fit split and the choice is made on the rest of it.
 * Fits are computed once per run and shared by the probes.
 *
 * <p>Dimension glossary: {@code B} test prompts, {@code F = ⌊B/2⌋} fit prompts, {@code J = B − F} judge prompts,
 * {@code d} input dimension, {@code Γ [d, d]}, {@code K} steps.
 */
public final class BehaviouralFits {
    /** A fitted Γ needs at least this many fit prompts per fitted entry (d² of them). */
    public static final int MIN_PROMPTS_PER_PGD_PARAMETER = 10;
    /** The largest d² for which the d⁴-sized normal equations of the Γ fit are formed (d ≤ 50: 50 MB). */
    public static final int MAX_PGD_FEATURES = 2500;

    private final PromptSet test;
    private final Supplier<double[]> modelPredictions;
    private final int fitCount;
    private double[] model;
    private Double etaFit;
    private PgdResult pgd;
    private final Map<String, StepSizeFitter.Fit> stepFits = new HashMap<>();

    /**
     * @param test the run's test prompts (B of them, at least 2)
     * @param modelPredictions the model's predictions on {@code test}, computed on first use
     */
    public BehaviouralFits(PromptSet test, Supplier<double[]> modelPredictions) {
        if (test.size() < 2) {
            throw new IllegalArgumentException("held-out fits need at least 2 test prompts, got " + test.size());
        }
        this.test = test;
        this.modelPredictions = modelPredictions;
        this.fitCount = test.size() / 2;
    }

    private double[] model() {
        if (model == null) {
            model = modelPredictions.get();
        }
        return model;
    }

    /** The fit split: the first ⌊B/2⌋ test prompts. */
    public PromptSet fitSet() {
        return test.head(fitCount);
    }

    /** The judge split: the remaining test prompts, where verdicts are decided. */
    public PromptSet judgeSet() {
        return test.slice(fitCount, test.size());
    }

    /** Where the judge split starts in the test prompts (for slicing cached per-prompt arrays). */
    public int judgeOffset() {
        return fitCount;
    }

    /** The model's predictions on the fit split {@code [F]} (a copy). */
    public double[] modelOnFit() {
        return Arrays.copyOf(model(), fitCount);
    }

    /** The model's predictions on the judge split {@code [J]} (a copy). */
    public double[] modelOnJudge() {
        return Arrays.copyOfRange(model(), fitCount, test.size());
    }

    /** The first {@code count} fit prompts relabelled with the model's predictions: fitting them fits the model. */
    public PromptSet relabelledFit(int count) {
        int c = Math.min(count, fitCount);
        PromptSet head = test.head(c);
        return new PromptSet(head.d(), head.n(), head.flatTokens(), Arrays.copyOf(model(), c));
    }

    /** η_fit: the least-squares scale of ŷ on x_q·h over the fit split ({@code Σ a ŷ / Σ a²}, a = x_q·h). */
    public double etaFit() {
        if (etaFit == null) {
            double[] a = new org.descent.oracle.AveragingOracle().predict(fitSet());
            double[] y = modelOnFit();
            double ay = 0;
            double aa = 0;
            for (int i = 0; i < a.length; i++) {
                ay += a[i] * y[i];
                aa += a[i] * a[i];
            }
            etaFit = aa == 0 ? 0 : ay / aa;
        }
        return etaFit;
    }

    /**
     * The behavioural Γ fit on the fit split, or why it was not made: it needs at least
     * {@value #MIN_PROMPTS_PER_PGD_PARAMETER}·d² fit prompts (fewer make the d² fitted entries an interpolation of
     * the data, so any model "fits"), and d² ≤ {@value #MAX_PGD_FEATURES}.
     */
    public PgdResult pgd() {
        if (pgd == null) {
            int d = test.d();
            long features = (long) d * d;
            if (features > MAX_PGD_FEATURES) {
                pgd = new PgdResult(null, String.format(Locale.ROOT, "d² = %d features: the d⁴ normal equations "
                        + "would need %.0f MB (limit d² ≤ %d)", features, features * features * 8 / 1e6,
                        MAX_PGD_FEATURES));
            } else if (fitCount < MIN_PROMPTS_PER_PGD_PARAMETER * features) {
                pgd = new PgdResult(null, String.format(Locale.ROOT, "%d fit prompts for d² = %d fitted entries of Γ:"
                        + " at least %d·d² = %d are needed (use --test-prompts ≥ %d)", fitCount, features,
                        MIN_PROMPTS_PER_PGD_PARAMETER, MIN_PROMPTS_PER_PGD_PARAMETER * features,
                        2 * MIN_PROMPTS_PER_PGD_PARAMETER * features));
            } else {
                pgd = new PgdResult(PgdFeatureRegression.fit(fitSet(), modelOnFit()), "");
            }
        }
        return pgd;
    }

    /**
     * The Γ fit or the reason it is missing.
     *
     * @param fit the fit on the fit split, or null
     * @param unavailable why there is no fit (empty when there is one)
     */
    public record PgdResult(PgdFeatureRegression.Fit fit, String unavailable) {
        public Optional<PgdFeatureRegression.Fit> get() {
            return Optional.ofNullable(fit);
        }
    }

    /** K plain GD steps fitted to the model on the first {@code count} fit prompts (cached per K and count). */
    public StepSizeFitter.Fit kStepGd(int steps, int count, Supplier<StepSizeFitter.Fit> fallbackStart) {
        return stepFits.computeIfAbsent("gd-" + steps + "-" + count, k -> {
            try {
                return StepSizeFitter.gd(relabelledFit(count), steps);
            } catch (RuntimeException e) {
                if (fallbackStart == null) {
                    throw e;
                }
                return fallbackStart.get();
            }
        });
    }

    /** K GD++ layers fitted to the model on the first {@code count} fit prompts (cached per K and count). */
    public StepSizeFitter.Fit gdPlusPlus(int layers, int count) {
        return stepFits.computeIfAbsent("gdpp-" + layers + "-" + count,
                k -> StepSizeFitter.gdPlusPlus(relabelledFit(count), layers));
    }

    /** The Γ-fit's Γ, for convenience. */
    public Optional<DMatrixRMaj> gammaFit() {
        return pgd().get().map(PgdFeatureRegression.Fit::gamma);
    }
}
