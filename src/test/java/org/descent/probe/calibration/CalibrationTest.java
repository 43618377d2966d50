package org.descent.probe.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.descent.probe.Hypotheses;
import org.descent.probe.ProbeRegistry;
import org.descent.probe.ProbeSuite;
import org.junit.jupiter.api.Test;

/**
 * The fast calibration subset with the default suite: every model whose algorithm is known by construction gets the
 * right verdict on every hypothesis (0 false consistent, 0 false inconsistent, inconclusive only on the deliberately
 * borderline case). Each case is one way a verdict rule can be fooled.
 */
class CalibrationTest {
    /** Test prompts for the CI subset: enough for a Γ fit at d = 10 (10·d² fit prompts), fast on 2 cores. */
    static final int CI_TEST_PROMPTS = 4000;

    @Test
    void fastBatteryGetsEveryVerdictRight() {
        // prefix-curves judges no hypothesis and layer-iterations only the layerwise ones, which the battery does not
        // score (their verdict rules are pinned by LayerIterationsProbeTest and LayerIterationsAdversaryTest).
        ProbeSuite suite = ProbeSuite.read(Path.of("probes", "default.json"))
                .without(List.of("prefix-curves", "layer-iterations"));
        List<CalibrationCase> cases = CalibrationBattery.fast().stream().map(c -> c.testPrompts()
                == CalibrationBattery.TEST_PROMPTS ? new CalibrationCase(c.name(), c.description(), c.task(),
                        CI_TEST_PROMPTS, c.expected(), c.borderline(), c.model()) : c).toList();
        Calibration.Result result;
        try (ProbeRegistry registry = ProbeRegistry.builtIn(); NDManager manager = NDManager.newBaseManager()) {
            result = Calibration.run(cases, suite, registry, manager, null);
        }
        String table = CalibrationReport.confusionText(result);
        System.out.println(table);
        assertEquals(0, result.falseConsistent(), table);
        assertEquals(0, result.falseInconsistent(), table);
        assertEquals(0, result.inconclusive(), table);
        assertTrue(result.cases().stream().allMatch(r -> r.got().size() == Hypotheses.ALL.size()));
    }
}
