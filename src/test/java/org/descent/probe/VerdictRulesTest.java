package org.descent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.descent.compare.AlgorithmDistances;
import org.descent.compare.Bootstrap;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * The verdict rule (issue 7, defects 2 and 3): criteria declare themselves sufficient or necessary; a hypothesis is
 * consistent only when a sufficient criterion passes and none fails; nested hypotheses share evidence so the summary
 * is coherent; distances and margins are sign-aware.
 */
class VerdictRulesTest {
    private static final Bootstrap.Interval SMALL = new Bootstrap.Interval(1e-4, 5e-5, 2e-4, 0.95, 100);
    private static final Bootstrap.Interval LARGE = new Bootstrap.Interval(0.3, 0.25, 0.35, 0.95, 100);
    private static final Bootstrap.Interval STRADDLE = new Bootstrap.Interval(0.01, 0.005, 0.02, 0.95, 100);

    private static Evidence passing(String name) {
        return Evidence.decide(name, SMALL, Evidence.Comparison.AT_MOST, 0.01);
    }

    private static Evidence failing(String name) {
        return Evidence.decide(name, LARGE, Evidence.Comparison.AT_MOST, 0.01);
    }

    private static ProbeResult result(String probe, Verdict... verdicts) {
        ProbeResult.Builder b = ProbeResult.builder(probe);
        for (Verdict v : verdicts) {
            b.verdict(v);
        }
        return b.build();
    }

    @Test
    void necessaryCriteriaAloneNeverConfirm() {
        // Before: weight structure passing + a behavioural probe inconclusive gave "consistent".
        ProbeResult weights = result("weight-structure", Verdict.of(Hypotheses.ONE_STEP_GD,
                List.of(passing("vanishing ratio"), passing("Dist₊(Γ_eff, I)"))));
        ProbeResult behaviour = result("gd-alignment", Verdict.of(Hypotheses.ONE_STEP_GD, List.of(
                Evidence.decide("relative SPD", STRADDLE, Evidence.Comparison.AT_MOST, 0.01).sufficient())));
        assertEquals(Outcome.INCONCLUSIVE, weights.verdicts().get(0).outcome());
        assertTrue(weights.verdicts().get(0).note().contains("necessary"), weights.verdicts().get(0).note());
        assertEquals(Outcome.INCONCLUSIVE, ProbeRun.combine(List.of(weights, behaviour)).get(Hypotheses.ONE_STEP_GD));
    }

    @Test
    void aSufficientPassAndNoFailureIsConsistentAnyFailureIsInconsistent() {
        Verdict ok = Verdict.of(Hypotheses.ONE_STEP_GD, List.of(passing("rel SPD").sufficient(), passing("cos")));
        assertEquals(Outcome.CONSISTENT, ok.outcome());
        Verdict bad = Verdict.of(Hypotheses.ONE_STEP_GD, List.of(passing("rel SPD").sufficient(), failing("sign")));
        assertEquals(Outcome.INCONSISTENT, bad.outcome());
        // A claimed outcome that the evidence does not carry is corrected.
        Verdict claimed = new Verdict(Hypotheses.ONE_STEP_GD, Outcome.CONSISTENT, List.of(passing("weights")), "");
        assertEquals(Outcome.INCONCLUSIVE, claimed.outcome());
        Verdict refuted = new Verdict(Hypotheses.ONE_STEP_GD, Outcome.INCONSISTENT, List.of(passing("x")), "");
        assertEquals(Outcome.INCONCLUSIVE, refuted.outcome());
    }

    @Test
    void nestedHypothesisIsNeverMoreConsistentThanItsParent() {
        // Before: optimal-one-step-gd = consistent beside one-step-gd = inconsistent.
        ProbeResult a = result("gd-alignment", Verdict.of(Hypotheses.OPTIMAL_ONE_STEP_GD,
                List.of(passing("rel SPD vs GD(η*)").sufficient())));
        ProbeResult b = result("pgd-fit", Verdict.of(Hypotheses.ONE_STEP_GD, List.of(failing("Dist₊(Γ, I)"))));
        Map<String, Outcome> s = ProbeRun.combine(List.of(a, b));
        assertEquals(Outcome.INCONSISTENT, s.get(Hypotheses.ONE_STEP_GD));
        assertEquals(Outcome.INCONSISTENT, s.get(Hypotheses.OPTIMAL_ONE_STEP_GD));
    }

    @Test
    void aMatchWithTheChildConfirmsTheParent() {
        ProbeResult a = result("gd-alignment", Verdict.of(Hypotheses.ONE_STEP_GD,
                List.of(passing("rel SPD vs GD(η_fit)").sufficient())));
        ProbeResult b = result("pgd-fit", Verdict.of(Hypotheses.PRECONDITIONED_GD, List.of(Evidence.unmeasured(
                "rel SPD vs PGD", Evidence.Comparison.AT_MOST, 0.01))));
        Map<String, ProbeRun.Conclusion> s = ProbeRun.conclude(List.of(a, b));
        assertEquals(Outcome.CONSISTENT, s.get(Hypotheses.PRECONDITIONED_GD).outcome());
        assertTrue(s.get(Hypotheses.PRECONDITIONED_GD).reason().contains("via one-step-gd"),
                s.get(Hypotheses.PRECONDITIONED_GD).reason());
    }

    @Test
    void orderSensitivityRefutesEveryFullBatchHypothesisThroughTheNesting() {
        ProbeResult order = result("order-sensitivity", Verdict.of(Hypotheses.ORDER_INVARIANT,
                List.of(failing("variance over orders").sufficient())));
        ProbeResult a = result("gd-alignment", Verdict.of(Hypotheses.OPTIMAL_ONE_STEP_GD,
                List.of(passing("rel SPD").sufficient())));
        Map<String, Outcome> s = ProbeRun.combine(List.of(order, a));
        assertEquals(Outcome.INCONSISTENT, s.get(Hypotheses.OPTIMAL_ONE_STEP_GD));
        assertTrue(Hypotheses.FULL_BATCH.contains(Hypotheses.OPTIMAL_ONE_STEP_GD));
        for (String h : Hypotheses.FULL_BATCH) {
            assertTrue(Hypotheses.ancestors(h).contains(Hypotheses.ORDER_INVARIANT), h);
        }
    }

    @Test
    void aCriterionARandomInitModelAlsoPassesDoesNotConfirm() {
        ProbeResult model = result("gd-alignment", Verdict.of(Hypotheses.ONE_STEP_GD,
                List.of(passing("rel SPD").sufficient())));
        ProbeRun.ControlRun control = new ProbeRun.ControlRun(Controls.RANDOM_INIT, "test", List.of(model),
                ProbeRun.conclude(List.of(model)));
        Map<String, ProbeRun.Conclusion> gated = ProbeRun.gate(ProbeRun.conclude(List.of(model)), control);
        assertEquals(Outcome.INCONCLUSIVE, gated.get(Hypotheses.ONE_STEP_GD).outcome());
        assertTrue(gated.get(Hypotheses.ONE_STEP_GD).reason().contains("not discriminative"));
    }

    @Test
    void distancesAndMarginsAreSignAware() {
        // Before: Dist(−ηI, I) = 0, so gradient ascent passed as "one-step GD" and "preconditioned GD".
        DMatrixRMaj minus = CommonOps_DDRM.identity(4);
        CommonOps_DDRM.scale(-1.5, minus);
        assertEquals(0.0, AlgorithmDistances.distanceToIdentity(minus), 1e-15);
        assertEquals(1.0, AlgorithmDistances.distanceToPositiveIdentity(minus), 0);
        assertEquals(-1.0, AlgorithmDistances.descentMargin(minus), 1e-12);
        DMatrixRMaj indefinite = CommonOps_DDRM.diag(2.0, 1.0, -0.5, 1.0);
        assertEquals(-0.25, AlgorithmDistances.descentMargin(indefinite), 1e-12);
        DMatrixRMaj spd = CommonOps_DDRM.diag(2.0, 1.0, 0.5, 1.0);
        assertEquals(0.25, AlgorithmDistances.descentMargin(spd), 1e-12);
    }

    @Test
    void aSingularPreconditionerIsNotADescentPreconditioner() {
        // Γ = Q diag(2, 1, 0.5, 0) Qᵀ in a rotated basis: its null direction comes back at rounding level, not at 0
        DMatrixRMaj q = org.descent.task.RandomRotation.orthogonal(4, 3L);
        DMatrixRMaj g = new DMatrixRMaj(4, 4);
        DMatrixRMaj t = new DMatrixRMaj(4, 4);
        CommonOps_DDRM.mult(q, CommonOps_DDRM.diag(2.0, 1.0, 0.5, 0.0), t);
        CommonOps_DDRM.multTransB(t, q, g);
        double margin = AlgorithmDistances.descentMargin(g);
        assertTrue(Math.abs(margin) < 1e-12, "rounding-level margin, got " + margin);
        assertTrue(Evidence.exact("descent margin", margin, Evidence.Comparison.AT_LEAST,
                Evidence.MIN_DESCENT_MARGIN).outcome() != Outcome.CONSISTENT, "a singular Γ takes no step along its "
                + "null direction: not a positive-definite preconditioner");
        DMatrixRMaj illConditioned = CommonOps_DDRM.diag(1.0, 1.0, 1.0, 1e-4);
        assertEquals(Outcome.CONSISTENT, Evidence.exact("descent margin", AlgorithmDistances.descentMargin(
                illConditioned), Evidence.Comparison.AT_LEAST, Evidence.MIN_DESCENT_MARGIN).outcome(),
                "condition number 1e4 is still a descent preconditioner");
    }

    @Test
    void withinIsTwoSided() {
        Bootstrap.Interval below = new Bootstrap.Interval(-0.3, -0.35, -0.25, 0.95, 10);
        assertEquals(Outcome.INCONSISTENT, Evidence.decide("gap", below, Evidence.Comparison.WITHIN, 0.01).outcome());
        assertEquals(Outcome.CONSISTENT, Evidence.decide("gap", SMALL, Evidence.Comparison.WITHIN, 0.01).outcome());
        assertEquals(Outcome.INCONCLUSIVE, Evidence.decide("gap", STRADDLE, Evidence.Comparison.WITHIN, 0.01)
                .outcome());
    }
}
