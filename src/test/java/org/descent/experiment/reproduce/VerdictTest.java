package org.descent.experiment.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.descent.compare.Bootstrap;
import org.junit.jupiter.api.Test;

/** Verdicts read the whole interval: supported inside the tolerance, refuted outside it, inconclusive across it. */
class VerdictTest {
    static Bootstrap.Interval ci(double lo, double hi) {
        return new Bootstrap.Interval((lo + hi) / 2, lo, hi, 0.95, 10);
    }

    @Test
    void intervalsDecide() {
        assertEquals(Verdict.SUPPORTED, Verdict.atMost(ci(0.001, 0.009), 0.01));
        assertEquals(Verdict.INCONCLUSIVE, Verdict.atMost(ci(0.005, 0.02), 0.01));
        assertEquals(Verdict.NOT_SUPPORTED, Verdict.atMost(ci(0.011, 0.02), 0.01));
        assertEquals(Verdict.SUPPORTED, Verdict.atLeast(ci(0.9995, 0.9999), 0.999));
        assertEquals(Verdict.INCONCLUSIVE, Verdict.atLeast(ci(0.998, 0.9995), 0.999));
        assertEquals(Verdict.NOT_SUPPORTED, Verdict.atLeast(ci(0.9, 0.99), 0.999));
        // two-sided equivalence: inside, outside on either side, straddling
        assertEquals(Verdict.SUPPORTED, Verdict.within(ci(-0.004, 0.009), -0.01, 0.01));
        assertEquals(Verdict.NOT_SUPPORTED, Verdict.within(ci(-0.5, -0.3), -0.01, 0.01), "much better is not equal");
        assertEquals(Verdict.NOT_SUPPORTED, Verdict.within(ci(0.02, 0.03), -0.01, 0.01));
        assertEquals(Verdict.INCONCLUSIVE, Verdict.within(ci(-0.02, 0.0), -0.01, 0.01));
        assertEquals(Verdict.NOT_SUPPORTED, Verdict.all(List.of(Verdict.SUPPORTED, Verdict.NOT_SUPPORTED)));
        assertEquals(Verdict.INCONCLUSIVE, Verdict.all(List.of(Verdict.SUPPORTED, Verdict.INCONCLUSIVE)));
        assertEquals(Verdict.SUPPORTED, Verdict.all(List.of(Verdict.SUPPORTED, Verdict.SUPPORTED)));
    }

    @Test
    void oneSeedIsBootstrappedOverPromptsSeveralOverSeeds() {
        double[] a = new double[1000];
        double[] b = new double[1000];
        for (int i = 0; i < a.length; i++) {
            a[i] = 1.0 + (i % 7) * 0.01;
            b[i] = 1.0 + (i % 5) * 0.01;
        }
        SeedSample one = SeedSample.relativeGap(a, b);
        Bootstrap.Interval single = SeedSample.interval(List.of(one), 1);
        assertEquals(one.point(), single.estimate(), 1e-15);
        assertEquals(true, single.lower() < single.upper(), "over prompts the interval has width");
        Bootstrap.Interval fixed = SeedSample.interval(List.of(SeedSample.fixed(0.3)), 1);
        assertEquals(0.3, fixed.lower());
        assertEquals(0.3, fixed.upper());
        Bootstrap.Interval seeds = SeedSample.interval(List.of(SeedSample.fixed(0.1), SeedSample.fixed(0.3),
                SeedSample.fixed(0.2)), 1);
        assertEquals(0.2, seeds.estimate(), 1e-15);
    }
}
