package org.descent.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.descent.task.PromptSet;
import org.junit.jupiter.api.Test;

/** k-NN, averaging and the ridge grid. */
class BaselinesTest {
    private static final double EXACT = 1e-12;

    /** One prompt, d = 1, N = 5: inputs 0, 1, 2, 3, 10 with labels 10, 20, 30, 40, 50; query at 2.2. */
    private static PromptSet handMade() {
        double[] tokens = {0, 10, 1, 20, 2, 30, 3, 40, 10, 50, 2.2, 0};
        return new PromptSet(1, 5, tokens, new double[] {0});
    }

    @Test
    void nearestNeighboursAverageTheClosestLabels() {
        assertArrayEquals(new double[] {30}, NearestNeighborsOracle.threeNearest().predict(handMade()), EXACT,
                "3-NN of 2.2 among {0,1,2,3,10} are 1, 2, 3");
        assertArrayEquals(new double[] {30}, new NearestNeighborsOracle(1).predict(handMade()), EXACT);
        assertArrayEquals(new double[] {30}, new NearestNeighborsOracle(9).predict(handMade()), EXACT,
                "k > N averages all labels");
        assertEquals("3-NN", NearestNeighborsOracle.threeNearest().name());
        assertThrows(IllegalArgumentException.class, () -> new NearestNeighborsOracle(0));
    }

    @Test
    void averagingIsOneStepWithUnitStep() {
        PromptSet prompts = TestPrompts.linear(4, 6, 50, null, 0.1, 51);
        double[] a = new AveragingOracle().predict(prompts);
        double[] b = GradientDescentOracle.oneStep(1.0).predict(prompts);
        assertTrue(TestPrompts.maxAbsDiff(a, b) < EXACT, "averaging vs GD(η = 1)");
        // h = (0·10 + 1·20 + 2·30 + 3·40 + 10·50) / 5 = 140, ŷ = 2.2 · 140
        assertEquals(308.0, new AveragingOracle().predict(handMade())[0], EXACT);
    }

    @Test
    void ridgeGridFindsAPenaltyNearTheNoiseVariance() {
        double noise = 1.0;
        PromptSet prompts = TestPrompts.linear(5, 8, 3000, null, noise, 52);
        double[] grid = RidgeGrid.logGrid(0.01, 100, 9);
        assertEquals(0.01, grid[0], EXACT);
        assertEquals(100, grid[8], 1e-10);
        RidgeGrid.Search search = RidgeGrid.search(prompts, grid);
        assertTrue(search.bestLambda() >= 0.3 && search.bestLambda() <= 3.2, "best λ " + search.bestLambda()
                + " should be near σ² = 1 (grid " + java.util.Arrays.toString(grid) + ", mse "
                + java.util.Arrays.toString(search.mse()) + ")");
        double ols = TestPrompts.mse(LeastSquaresOracle.ols().predict(prompts), prompts.targets());
        assertTrue(search.bestMse() < ols, "ridge " + search.bestMse() + " should beat OLS " + ols + " with noise");
        assertEquals("OLS", RidgeGrid.oracles(0, 1).get(0).name());
    }
}
