package org.descent.experiment.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.descent.compare.Bootstrap;
import org.descent.compare.SeedIntervals;
import org.junit.jupiter.api.Test;

/**
 * Defect 5: the headline interval over S seeds (the exact path a preset uses, {@link SeedSample#interval}) covers the
 * true mean of normally distributed per-seed values 92.5–97.5% of the time for S = 2, 3, 5, 10. The percentile
 * bootstrap it replaced covered 48% / 75% / 83% / 91%. With one seed the scope is labelled as one trained model.
 */
class SeedIntervalCoverageTest {
    static final int REPETITIONS = 4000;

    @Test
    void seedIntervalsCoverAtTheirNominalRate() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int s : new int[] {2, 3, 5, 10}) {
            int covered = 0;
            for (int r = 0; r < REPETITIONS; r++) {
                List<SeedSample> samples = new ArrayList<>();
                for (int k = 0; k < s; k++) {
                    samples.add(SeedSample.fixed(0.3 + 0.1 * rng.nextGaussian()));
                }
                if (SeedSample.interval(samples, r).contains(0.3)) {
                    covered++;
                }
            }
            double coverage = covered / (double) REPETITIONS;
            assertTrue(coverage >= 0.925 && coverage <= 0.975, "S = " + s + ": coverage " + coverage);
        }
    }

    @Test
    void studentTMatchesTheTable() {
        // t_{1, 0.975} = 12.706, t_{4, 0.975} = 2.776: mean ± t s/√S
        Bootstrap.Interval two = SeedIntervals.studentT(new double[] {1.0, 3.0});
        assertEquals(2.0, two.estimate(), 1e-15);
        assertEquals(12.7062047, (two.upper() - two.estimate()) / (Math.sqrt(2) / Math.sqrt(2)), 1e-6);
        Bootstrap.Interval five = SeedIntervals.studentT(new double[] {1, 2, 3, 4, 5});
        assertEquals(2.7764451 * Math.sqrt(2.5) / Math.sqrt(5), five.upper() - 3, 1e-6);
    }

    @Test
    void scopesSayWhatTheClaimIsAbout() {
        SeedSample perPrompt = SeedSample.mean(new double[] {1, 2, 3, 4});
        SeedSample exact = SeedSample.fixed(0.1);
        assertEquals("1 trained model (prompt interval)", SeedSample.scope(List.of(perPrompt)).label());
        assertEquals("1 trained model (exact value)", SeedSample.scope(List.of(exact)).label());
        assertEquals("3 seeds (Student t)", SeedSample.scope(List.of(exact, exact, exact)).label());
        assertFalse(SeedSample.scope(List.of(exact)).coversTraining());
        Headline h = SeedSample.atMost("x", List.of(SeedSample.fixed(0.1), SeedSample.fixed(0.2)), 1.0);
        assertEquals("2 seeds (Student t)", h.scope().label());
        assertTrue(h.interval().lower() < 0.1 && h.interval().upper() > 0.2, "t interval is wider than the range");
    }

    @Test
    void tooFewSeedsToSupportAClaimStayInconclusive() {
        // two seeds at 0.002 and 0.008 under a tolerance of 0.01: the t interval [−0.033, 0.043] straddles it
        Headline h = SeedSample.atMost("gap", List.of(SeedSample.fixed(0.002), SeedSample.fixed(0.008)), 0.01);
        assertEquals(Verdict.INCONCLUSIVE, h.verdict(), h.toString());
        Headline ten = SeedSample.atMost("gap", List.of(SeedSample.fixed(0.002), SeedSample.fixed(0.008),
                SeedSample.fixed(0.004), SeedSample.fixed(0.005), SeedSample.fixed(0.006)), 0.01);
        assertEquals(Verdict.SUPPORTED, ten.verdict(), ten.toString());
    }
}
