package org.descent.probe.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Map;
import java.util.SplittableRandom;
import org.descent.probe.Outcome;
import org.descent.probe.PromptBootstrap;
import org.descent.probe.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Referee finding (not a fix): Rec2FTP = P(ICL ✓ | FT ✓, ZSL ✗) is high for any accurate in-context learner, whatever
 * FT does. Here ZSL is always wrong, ICL always right, and FT is a coin flip drawn independently of ICL: on the
 * prompts FT did not fix, ICL is just as right as on those it fixed, so nothing ties ICL to FT. The random-init
 * control (ICL a coin flip too) has Rec2FTP ≈ 0.5, so the margin gate passes as well. The rule comes out CONSISTENT:
 * the metric measures ICL's accuracy, not its agreement with finetuning. This test pins the current (wrong) verdict;
 * a rule that compares Rec2FTP with ICL's accuracy on the ZSL-wrong prompts FT did not fix would make it go red.
 */
class DualFormRec2ftpFoolingTest {
    static final int PROMPTS = 400;
    static final double MIN_REC2FTP = 0.8;
    static final double MARGIN = 0.05;

    private static DualFormProbe.Analysis analysis(double[] labels, double[] zsl, double[] icl, double[] ft) {
        DualFormProbe.ScopeResult kv = new DualFormProbe.ScopeResult(0.01, new double[] {0.0},
                new DualFormProbe.Readout(ft, null, null), null, null, null, null);
        return new DualFormProbe.Analysis(labels, new DualFormProbe.Readout(zsl, null, null),
                new DualFormProbe.Readout(icl, null, null), Map.of(DualFormProbe.KV.name(), kv));
    }

    @Test
    void anAccurateIclWithAnUnrelatedFtPassesRec2ftp() {
        SplittableRandom rng = new SplittableRandom(7);
        double[] labels = new double[PROMPTS];
        double[] zsl = new double[PROMPTS];
        double[] icl = new double[PROMPTS];
        double[] ft = new double[PROMPTS];
        double[] controlIcl = new double[PROMPTS];
        double[] controlFt = new double[PROMPTS];
        for (int i = 0; i < PROMPTS; i++) {
            labels[i] = rng.nextBoolean() ? 1 : -1;
            zsl[i] = -labels[i];
            icl[i] = labels[i];
            ft[i] = rng.nextBoolean() ? labels[i] : -labels[i];
            controlIcl[i] = rng.nextBoolean() ? labels[i] : -labels[i];
            controlFt[i] = rng.nextBoolean() ? labels[i] : -labels[i];
        }
        DualFormProbe.Analysis model = analysis(labels, zsl, icl, ft);
        DualFormProbe.Analysis control = analysis(labels, zsl, controlIcl, controlFt);
        // ICL is right on every prompt FT did not fix as well: ICL carries no information about FT
        Verdict v = DualFormProbe.verdict(DualFormProbe.REC2FTP, "Rec2FTP", DualFormProbe.rec2ftp(model),
                DualFormProbe.rec2ftp(control), PROMPTS, new PromptBootstrap(200, 0.95, 1L), MIN_REC2FTP, MARGIN, "");
        assertEquals(1.0, DualFormProbe.rec2ftp(model).applyAsDouble(DualFormProbe.all(PROMPTS)), 0.0);
        assertEquals(Outcome.CONSISTENT, v.outcome(), "the hole: " + v);
    }

    /**
     * The necessary margin over the random-init control is what keeps a metric any model passes from counting: when
     * the control scores as high as the model, the metric must not come out consistent. (Mutating that gate away
     * left every existing dual-form test green.)
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
    }

    /**
     * Referee finding (not a fix): Rec2FTP is a ratio of counts, and its percentile bootstrap is degenerate when every
     * FT fix is also an ICL fix: each resample that holds a fix gives exactly 1, so the interval is [1, 1] however few
     * fixes there are. With 64 judge prompts (the preset's count) and FT fixing only 3 of them, the resamples without a
     * fix stay under {@link DualFormProbe#MAX_UNDEFINED_RESAMPLES}, and Rec2FTP ≥ 0.8 comes out consistent on 3
     * prompts (an exact binomial 95% lower bound for 3 of 3 is 0.29). This pins the current (wrong) verdict.
     */
    @Test
    void threeFtFixesOutOfSixtyFourGiveADegenerateIntervalAndAConsistentRec2ftp() {
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
        assertEquals(3.0, java.util.Arrays.stream(DualFormProbe.rec2ftpCounts(model)[1]).sum(), 0.0, "3 FT fixes");
        PromptBootstrap boot = new PromptBootstrap(1000, 0.95, 3L);
        org.descent.compare.Bootstrap.Interval ci = DualFormProbe.robust(boot, DualFormProbe.REC2FTP, b,
                DualFormProbe.rec2ftp(model));
        assertEquals(1.0, ci.lower(), 0.0, "a zero-width interval: " + ci);
        Verdict v = DualFormProbe.verdict(DualFormProbe.REC2FTP, "Rec2FTP", DualFormProbe.rec2ftp(model),
                DualFormProbe.rec2ftp(control), b, boot, MIN_REC2FTP, MARGIN, "");
        assertEquals(Outcome.CONSISTENT, v.outcome(), "the hole: 3 prompts decide Rec2FTP: " + v);
    }
}
