package org.descent.probe.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.descent.compare.Bootstrap;
import org.descent.probe.Outcome;
import org.descent.probe.PromptBootstrap;
import org.descent.probe.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Models built to fool the Rec2FTP rule of {@code dual-form}. Rec2FTP = P(ICL ✓ | FT ✓, ZSL ✗) is high for any
 * accurate in-context learner whatever FT does, and a ratio of a few counts has a degenerate percentile bootstrap; the
 * rule therefore also tests Rec2FTP against its base rate P(ICL ✓ | ZSL ✗), puts an exact binomial interval on the
 * level and needs {@link DualFormProbe#MIN_FT_FIXES} FT fixes.
 */
class DualFormRec2ftpFoolingTest {
    static final int PROMPTS = 400;
    static final double MIN_REC2FTP = 0.8;
    static final double MIN_OVER_BASE = DualFormProbe.MIN_REC2FTP_OVER_BASE_RATE;
    static final double MARGIN = 0.05;
    /** Closed-form Clopper–Pearson ends against Hipparchus' Beta quantiles. */
    static final double CLOSED_FORM = 1e-9;
    /** A textbook Clopper–Pearson interval, quoted to four decimals. */
    static final double TABLE = 1e-4;

    private static DualFormProbe.Analysis analysis(double[] labels, double[] zsl, double[] icl, double[] ft) {
        DualFormProbe.ScopeResult kv = new DualFormProbe.ScopeResult(0.01, new double[] {0.0},
                new DualFormProbe.Readout(ft, null, null), null, null, null, null);
        return new DualFormProbe.Analysis(labels, new DualFormProbe.Readout(zsl, null, null),
                new DualFormProbe.Readout(icl, null, null), Map.of(DualFormProbe.KV.name(), kv));
    }

    private static double flip(SplittableRandom rng, double label, double pRight) {
        return rng.nextDouble() < pRight ? label : -label;
    }

    /**
     * ZSL always wrong, ICL right with probability {@code pIcl}, FT a coin flip drawn independently of ICL; the
     * control's ICL and FT are coin flips too.
     */
    private static DualFormProbe.Analysis[] unrelated(long seed, double pIcl) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] labels = new double[PROMPTS];
        double[] zsl = new double[PROMPTS];
        double[] icl = new double[PROMPTS];
        double[] ft = new double[PROMPTS];
        double[] controlIcl = new double[PROMPTS];
        double[] controlFt = new double[PROMPTS];
        for (int i = 0; i < PROMPTS; i++) {
            labels[i] = rng.nextBoolean() ? 1 : -1;
            zsl[i] = -labels[i];
            icl[i] = flip(rng, labels[i], pIcl);
            ft[i] = flip(rng, labels[i], 0.5);
            controlIcl[i] = flip(rng, labels[i], 0.5);
            controlFt[i] = flip(rng, labels[i], 0.5);
        }
        return new DualFormProbe.Analysis[] {analysis(labels, zsl, icl, ft), analysis(labels, zsl, controlIcl,
                controlFt)};
    }

    /**
     * The referee's model: ICL always right, FT an unrelated coin flip. Dai's Rec2FTP is 1 and passes its level and
     * the control margin (the control's Rec2FTP is ≈ 0.5), but ICL is just as right on the prompts FT does not fix:
     * Rec2FTP equals its base rate, the lift criterion fails, and the verdict is inconsistent.
     */
    @Test
    void anAccurateIclWithAnUnrelatedFtFailsRec2ftpAgainstItsBaseRate() {
        DualFormProbe.Analysis[] m = unrelated(7, 1.0);
        Verdict v = DualFormProbe.rec2ftpVerdict(m[0], m[1], new PromptBootstrap(200, 0.95, 1L), MIN_REC2FTP,
                MIN_OVER_BASE, MARGIN);
        assertEquals(1.0, DualFormProbe.rec2ftp(m[0]).applyAsDouble(DualFormProbe.all(PROMPTS)), 0.0,
                "Dai's Rec2FTP is still reported as measured");
        assertEquals(1.0, DualFormProbe.rec2ftpBaseRate(m[0]).applyAsDouble(DualFormProbe.all(PROMPTS)), 0.0,
                "ICL is right on every ZSL-wrong prompt");
        assertEquals(Outcome.CONSISTENT, v.evidence().get(0).outcome(), "the level alone is fooled: " + v);
        assertEquals(Outcome.CONSISTENT, v.evidence().get(1).outcome(), "the control margin alone is fooled: " + v);
        assertEquals(Outcome.INCONSISTENT, v.evidence().get(2).outcome(), "Rec2FTP − base rate is 0: " + v);
        assertEquals(Outcome.INCONSISTENT, v.outcome(), "an ICL unrelated to FT must not pass Rec2FTP: " + v);
        assertTrue(v.note().contains("not its agreement with FT"), v.note());
    }

    /** The same with an ICL right on 90% of prompts independently of FT: Rec2FTP ≈ 0.9 ≈ its base rate. */
    @Test
    void aNinetyPercentIclWithAnUnrelatedFtIsNotConsistent() {
        DualFormProbe.Analysis[] m = unrelated(11, 0.9);
        Verdict v = DualFormProbe.rec2ftpVerdict(m[0], m[1], new PromptBootstrap(200, 0.95, 2L), MIN_REC2FTP,
                MIN_OVER_BASE, MARGIN);
        double lift = DualFormProbe.rec2ftpOverBaseRate(m[0]).applyAsDouble(DualFormProbe.all(PROMPTS));
        assertTrue(Math.abs(lift) < MIN_OVER_BASE, "FT's fixes are unrelated to ICL, so Rec2FTP ≈ its base rate: "
                + lift);
        assertNotEquals(Outcome.CONSISTENT, v.outcome(), "ICL's accuracy is not agreement with FT: " + v);
    }

    /**
     * The rule can pass: ICL right exactly where FT is (ZSL always wrong, FT right on ~70% of prompts), so Rec2FTP is
     * 1 against a base rate of ~0.7, with ~280 FT fixes; the control (coin flips) has Rec2FTP ≈ 0.5.
     */
    @Test
    void anIclThatFollowsFtIsConsistent() {
        SplittableRandom rng = new SplittableRandom(5);
        double[] labels = new double[PROMPTS];
        double[] zsl = new double[PROMPTS];
        double[] ft = new double[PROMPTS];
        double[] controlIcl = new double[PROMPTS];
        double[] controlFt = new double[PROMPTS];
        for (int i = 0; i < PROMPTS; i++) {
            labels[i] = rng.nextBoolean() ? 1 : -1;
            zsl[i] = -labels[i];
            ft[i] = flip(rng, labels[i], 0.7);
            controlIcl[i] = flip(rng, labels[i], 0.5);
            controlFt[i] = flip(rng, labels[i], 0.5);
        }
        DualFormProbe.Analysis model = analysis(labels, zsl, ft.clone(), ft);
        DualFormProbe.Analysis control = analysis(labels, zsl, controlIcl, controlFt);
        Verdict v = DualFormProbe.rec2ftpVerdict(model, control, new PromptBootstrap(200, 0.95, 3L), MIN_REC2FTP,
                MIN_OVER_BASE, MARGIN);
        assertEquals(Outcome.CONSISTENT, v.outcome(), "ICL that fixes exactly FT's fixes agrees with FT: " + v);
    }

    /**
     * The necessary margin over the random-init control is what keeps a metric any model passes from counting: when
     * the control scores as high as the model, the metric must not come out consistent. (Mutating that gate away
     * left every existing dual-form test green.) Shown on the generic per-metric rule SimAOU and SimAM use, and on
     * Rec2FTP's own rule with an ICL that follows FT.
     */
    @Test
    void aControlAsGoodAsTheModelKeepsRec2ftpFromBeingConsistent() {
        SplittableRandom rng = new SplittableRandom(8);
        double[] labels = new double[PROMPTS];
        double[] zsl = new double[PROMPTS];
        double[] icl = new double[PROMPTS];
        double[] ft = new double[PROMPTS];
        for (int i = 0; i < PROMPTS; i++) {
            labels[i] = rng.nextBoolean() ? 1 : -1;
            zsl[i] = -labels[i];
            icl[i] = labels[i];
            ft[i] = rng.nextBoolean() ? labels[i] : -labels[i];
        }
        DualFormProbe.Analysis model = analysis(labels, zsl, icl, ft);
        DualFormProbe.Analysis control = analysis(labels, zsl, icl.clone(), ft.clone());
        Verdict v = DualFormProbe.verdict(DualFormProbe.REC2FTP, "Rec2FTP", DualFormProbe.rec2ftp(model),
                DualFormProbe.rec2ftp(control), PROMPTS, new PromptBootstrap(200, 0.95, 1L), MIN_REC2FTP, MARGIN, "");
        assertNotEquals(Outcome.CONSISTENT, v.outcome(), "a control that does as well leaves no margin: " + v);
        DualFormProbe.Analysis follows = analysis(labels, zsl, ft.clone(), ft);
        Verdict r = DualFormProbe.rec2ftpVerdict(follows, analysis(labels, zsl, ft.clone(), ft.clone()),
                new PromptBootstrap(200, 0.95, 1L), MIN_REC2FTP, MIN_OVER_BASE, MARGIN);
        assertEquals(Outcome.CONSISTENT, r.evidence().get(2).outcome(), "the lift passes: " + r);
        assertNotEquals(Outcome.CONSISTENT, r.outcome(), "but a control that does as well leaves no margin: " + r);
    }

    /**
     * Rec2FTP is a ratio of counts and its percentile bootstrap is degenerate when every FT fix is also an ICL fix:
     * each resample that holds a fix gives exactly 1, so the interval is [1, 1] however few fixes there are. With 64
     * judge prompts (the preset's count) and FT fixing only 3 of them, the level is therefore judged on the exact
     * binomial interval (3 of 3: [0.025^(1/3), 1] = [0.29, 1]) and the verdict is inconclusive: 3 fixes are fewer
     * than {@link DualFormProbe#MIN_FT_FIXES}.
     */
    @Test
    void threeFtFixesOutOfSixtyFourAreInconclusive() {
        int b = 64;
        double[] labels = new double[b];
        double[] zsl = new double[b];
        double[] icl = new double[b];
        double[] ft = new double[b];
        double[] controlIcl = new double[b];
        for (int i = 0; i < b; i++) {
            labels[i] = i % 2 == 0 ? 1 : -1;
            zsl[i] = labels[i];
            icl[i] = labels[i];
            ft[i] = labels[i];
            controlIcl[i] = labels[i];
        }
        for (int i = 0; i < 3; i++) {
            zsl[i] = -labels[i];
            controlIcl[i] = -labels[i];
        }
        DualFormProbe.Analysis model = analysis(labels, zsl, icl, ft);
        DualFormProbe.Analysis control = analysis(labels, zsl, controlIcl, ft);
        assertEquals(3, DualFormProbe.ftFixes(model), "3 FT fixes");
        PromptBootstrap boot = new PromptBootstrap(1000, 0.95, 3L);
        Bootstrap.Interval percentile = DualFormProbe.robust(boot, DualFormProbe.REC2FTP, b,
                DualFormProbe.rec2ftp(model));
        assertEquals(1.0, percentile.lower(), 0.0, "the percentile bootstrap collapses: " + percentile);
        Verdict v = DualFormProbe.rec2ftpVerdict(model, control, boot, MIN_REC2FTP, MIN_OVER_BASE, MARGIN);
        assertEquals(Math.pow(0.025, 1.0 / 3), v.evidence().get(0).lower(), CLOSED_FORM,
                "the level is judged on the exact binomial interval: " + v);
        assertEquals(Outcome.INCONCLUSIVE, v.evidence().get(0).outcome(), "3 of 3 cannot show Rec2FTP ≥ 0.8: " + v);
        assertEquals(Outcome.INCONCLUSIVE, v.outcome(), "3 prompts cannot decide Rec2FTP: " + v);
        assertTrue(v.note().contains("fewer than " + DualFormProbe.MIN_FT_FIXES), v.note());
    }

    /**
     * The floor on FT fixes on its own: with a lower level (0.3) 5 of 5 passes the exact interval ([0.48, 1]), the
     * lift (1 − 5/32) and the control margin (the control's ICL misses every fix), yet 5 fixes decide nothing.
     */
    @Test
    void fiveFixesAreInconclusiveEvenWhenEveryCriterionPasses() {
        int b = 64;
        double[] labels = new double[b];
        double[] zsl = new double[b];
        double[] icl = new double[b];
        double[] ft = new double[b];
        double[] controlIcl = new double[b];
        for (int i = 0; i < b; i++) {
            labels[i] = i % 2 == 0 ? 1 : -1;
            boolean zslWrong = i < 32;
            boolean fix = i < 5;
            zsl[i] = zslWrong ? -labels[i] : labels[i];
            ft[i] = fix || !zslWrong ? labels[i] : -labels[i];
            icl[i] = fix || !zslWrong ? labels[i] : -labels[i];
            controlIcl[i] = zslWrong ? -labels[i] : labels[i];
        }
        DualFormProbe.Analysis model = analysis(labels, zsl, icl, ft);
        DualFormProbe.Analysis control = analysis(labels, zsl, controlIcl, ft);
        Verdict v = DualFormProbe.rec2ftpVerdict(model, control, new PromptBootstrap(500, 0.95, 4L), 0.3,
                MIN_OVER_BASE, MARGIN);
        assertEquals(5, DualFormProbe.ftFixes(model));
        assertEquals(Outcome.CONSISTENT, v.evidence().get(0).outcome(), "5 of 5 ≥ 0.3 on the exact interval: " + v);
        assertEquals(1 - 5.0 / 32, v.evidence().get(2).effectSize(), CLOSED_FORM, "the lift is measured: " + v);
        assertTrue(Double.isNaN(v.evidence().get(2).lower()), "but not judged on 5 fixes: " + v);
        assertEquals(Outcome.INCONCLUSIVE, v.outcome(), "5 FT fixes are too few: " + v);
    }

    /**
     * The other side of the base rate: ZSL always wrong, FT and ICL always right. ICL agrees with FT on every prompt,
     * but FT fixes every ZSL-wrong prompt, so Rec2FTP and its base rate are the same ratio and their difference is 0
     * whatever ICL does: the difference must not refute (it is not judged), and the verdict is inconclusive.
     */
    @Test
    void anFtThatFixesEveryZslWrongPromptLeavesTheLiftUnjudged() {
        SplittableRandom rng = new SplittableRandom(9);
        double[] labels = new double[PROMPTS];
        double[] zsl = new double[PROMPTS];
        double[] controlIcl = new double[PROMPTS];
        for (int i = 0; i < PROMPTS; i++) {
            labels[i] = rng.nextBoolean() ? 1 : -1;
            zsl[i] = -labels[i];
            controlIcl[i] = flip(rng, labels[i], 0.5);
        }
        DualFormProbe.Analysis model = analysis(labels, zsl, labels.clone(), labels.clone());
        DualFormProbe.Analysis control = analysis(labels, zsl, controlIcl, labels.clone());
        Verdict v = DualFormProbe.rec2ftpVerdict(model, control, new PromptBootstrap(200, 0.95, 6L), MIN_REC2FTP,
                MIN_OVER_BASE, MARGIN);
        assertEquals(0.0, v.evidence().get(2).effectSize(), 0.0, "Rec2FTP − base rate is 0 by construction: " + v);
        assertEquals(Outcome.INCONCLUSIVE, v.evidence().get(2).outcome(), "and not judged: " + v);
        assertEquals(Outcome.INCONCLUSIVE, v.outcome(), "perfect agreement cannot be told from accuracy here: " + v);
        assertTrue(v.note().contains("fewer than " + DualFormProbe.MIN_ZSL_WRONG_UNFIXED), v.note());
    }

    /** The Clopper–Pearson ends: closed forms at k = 0 and k = n, and a textbook value (5 of 10). */
    @Test
    void clopperPearsonMatchesClosedFormsAndATextbookValue() {
        Bootstrap.Interval all = DualFormProbe.clopperPearson(3, 3, 0.95);
        assertEquals(Math.pow(0.025, 1.0 / 3), all.lower(), CLOSED_FORM);
        assertEquals(1.0, all.upper(), 0.0);
        Bootstrap.Interval none = DualFormProbe.clopperPearson(0, 20, 0.95);
        assertEquals(0.0, none.lower(), 0.0);
        assertEquals(1 - Math.pow(0.025, 1.0 / 20), none.upper(), CLOSED_FORM);
        Bootstrap.Interval half = DualFormProbe.clopperPearson(5, 10, 0.95);
        assertEquals(0.1871, half.lower(), TABLE);
        assertEquals(0.8129, half.upper(), TABLE);
        assertTrue(Double.isNaN(DualFormProbe.clopperPearson(0, 0, 0.95).estimate()), "no trials: undefined");
    }
}
