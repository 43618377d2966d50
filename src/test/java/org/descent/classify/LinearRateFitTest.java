package org.descent.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The linear-rate rule: a geometric gap passes, a sublinear 1/t gap (also falling, also "negative slope") fails. */
class LinearRateFitTest {
    /** Slope of an exact geometric sequence, recovered to rounding. */
    private static final double SLOPE_TOLERANCE = 1e-12;

    private static double[] geometric(double rho, int steps) {
        double[] g = new double[steps + 1];
        for (int t = 0; t <= steps; t++) {
            g[t] = 0.3 * Math.pow(rho, t);
        }
        return g;
    }

    @Test
    void anExactGeometricSequenceIsLinearWithItsRate() {
        double[] g = geometric(0.97, 1000);
        int[] w = LinearRateFit.window(g, 1e-2, 1e-10);
        LinearRateFit f = LinearRateFit.fit(g, w[0], w[1]);
        assertEquals(Math.log(0.97), f.slope(), SLOPE_TOLERANCE);
        assertEquals(0.97, f.rate(), SLOPE_TOLERANCE);
        assertEquals(Math.log(0.3), f.intercept(), 1e-9);
        assertTrue(f.upper() < 0);
        assertEquals(1.0, f.r2(), 1e-12);
        assertTrue(f.r2LogStep() < f.r2() - 0.02, "a power law fits a geometric decay worse: " + f.r2LogStep());
        assertEquals(1.0, f.slopeRatio(), 1e-9, "a constant rate");
        assertTrue(f.isLinear(), f.toString());
    }

    @Test
    void aGeometricTailAfterAFastTransientIsLinear() {
        double[] g = new double[801];
        for (int t = 0; t < g.length; t++) {
            g[t] = 0.2 * Math.pow(0.6, t) + 0.05 * Math.pow(0.96, t); // a fast mode dies out, the slow one stays
        }
        int[] w = LinearRateFit.window(g, 1e-2, 1e-10);
        LinearRateFit f = LinearRateFit.fit(g, w[0], w[1]);
        assertTrue(f.isLinear(), f.toString());
        assertEquals(Math.log(0.96), f.slope(), 1e-3);
    }

    /** The fooling curve: 1/t falls, its log has a negative slope against t, but it is a power law, not linear. */
    @Test
    void aOneOverTSequenceIsNotLinear() {
        double[] g = new double[20_001];
        for (int t = 0; t < g.length; t++) {
            g[t] = 0.3 / (t + 1);
        }
        int[] w = LinearRateFit.window(g, 1e-2, 1e-10);
        LinearRateFit f = LinearRateFit.fit(g, w[0], w[1]);
        assertTrue(f.upper() < 0, "its slope is negative too: " + f);
        assertEquals(1.0, f.r2LogStep(), 1e-12, "a line in ln t fits 1/t exactly");
        assertTrue(f.r2() < LinearRateFit.MIN_R2, "the line in t bends: R² = " + f.r2());
        assertTrue(f.slopeRatio() < 0.2, "its local rate decays: " + f.slopeRatio());
        assertFalse(f.isLinear(), f.toString());
    }

    /**
     * A steep power law with an offset, (t + c)^{-k}, is nearly straight in t and its ln-t comparison is weak (ln t
     * is nearly linear over [c, 2c]); its local rate k/(t + c) still falls across the window, and the rule refuses it.
     */
    @Test
    void aSteepPowerLawWithAnOffsetIsRefusedByItsDecayingRate() {
        double[] g = new double[3001];
        for (int t = 0; t < g.length; t++) {
            g[t] = 0.3 * Math.pow((t + 200.0) / 200.0, -12); // drops 1e-10 by t ≈ 1200
        }
        int[] w = LinearRateFit.window(g, 1e-2, 1e-10);
        LinearRateFit f = LinearRateFit.fit(g, w[0], w[1]);
        assertTrue(f.upper() < 0, f.toString());
        assertTrue(f.slopeRatio() < LinearRateFit.MIN_SLOPE_RATIO, "its rate decays: " + f);
        assertFalse(f.isLinear(), f.toString());
    }

    @Test
    void theWindowSpansTheStatedFractionsAndRefusesAShortCurve() {
        double[] g = geometric(0.5, 60);
        int[] w = LinearRateFit.window(g, 1e-2, 1e-10);
        // 0.5^7 = 0.0078 ≤ 1e-2 first at t = 7; 0.5^33 = 1.2e-10 ≥ 1e-10 last at t = 33
        assertArrayEquals(new int[] {7, 33}, w);
        String msg = assertThrows(IllegalArgumentException.class,
                () -> LinearRateFit.window(geometric(0.5, 12), 1e-2, 1e-10)).getMessage();
        assertTrue(msg.contains("run longer"), msg);
        double[] withZero = geometric(0.9, 50);
        withZero[20] = 0;
        assertThrows(IllegalArgumentException.class, () -> LinearRateFit.fit(withZero, 10, 30));
    }
}
