package org.descent.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The bootstrap interval of a mean matches the normal-theory interval for a large Gaussian sample. */
class BootstrapTest {
    /** Percentile and normal 95% half-widths agree within 10% at n = 4000. */
    static final double HALF_WIDTH_REL_TOL = 0.10;

    @Test
    void meanIntervalMatchesNormalTheory() {
        SplittableRandom rng = new SplittableRandom(1);
        double[] x = new double[4000];
        for (int i = 0; i < x.length; i++) {
            x[i] = 2.0 + 3.0 * rng.nextGaussian();
        }
        Bootstrap.Interval ci = Bootstrap.mean(x, 7);
        double normalHalf = 1.96 * 3.0 / Math.sqrt(x.length);
        double half = (ci.upper() - ci.lower()) / 2;
        assertTrue(Math.abs(half - normalHalf) <= HALF_WIDTH_REL_TOL * normalHalf,
                "half-width " + half + " vs normal " + normalHalf);
        assertTrue(ci.contains(ci.estimate()));
        assertEquals(ci, Bootstrap.mean(x, 7), "seeded");
    }
}
