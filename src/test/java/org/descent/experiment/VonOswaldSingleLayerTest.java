package org.descent.experiment;

import static org.descent.TestSupport.assertNear;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The headline claim with the default configuration (d = N = 10, x ~ U(−1, 1)^d, Adam lr 1e-3, batch 2048): the
 * trained single-layer LSA reaches GD(η*)'s test loss within 1%, model cos ≥ 0.999, preds diff ≤ 0.05, and its
 * Γ_eff is η*·I. About 30 s on one thread.
 */
class VonOswaldSingleLayerTest {
    /** Γ_eff's scalar fit lands within this relative distance of η* = 1.51515. */
    static final double GAMMA_SCALAR_REL_TOL = 0.02;

    @Test
    void defaultRunImplementsOneGdStep(@TempDir Path dir) {
        ExperimentConfig cfg = ExperimentConfig.defaults();
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        OneStepGdExperiment.Trained trained = OneStepGdExperiment.train(cfg, ws, null, (s, l, lr) -> { });
        OneStepGdExperiment.Compared c = OneStepGdExperiment.compare(cfg, ws, trained.state().weights(),
                trained.state().losses(), null, Map.of(), "verify");
        Map<String, Object> m = c.metrics();
        assertTrue(c.result().consistent(), "verdict checks: " + c.result().checks());
        double eta = (double) m.get("eta_star");
        assertNear(eta, 1.5151515, 1e-6, "η*");
        assertNear((double) m.get("gamma_eff_scalar"), eta, GAMMA_SCALAR_REL_TOL * eta, "tr(Γ_eff)/d");
        assertTrue((double) m.get("interpolation_mse") <= 1.01 * (double) m.get("mse.gd"),
                "interpolation midpoint loss " + m.get("interpolation_mse") + " vs GD " + m.get("mse.gd"));
    }
}
