package org.descent.experiment;

import static org.descent.TestSupport.assertNear;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.descent.experiment.reproduce.Headline;
import org.descent.experiment.reproduce.PresetRun;
import org.descent.experiment.reproduce.Presets;
import org.descent.experiment.reproduce.ReproductionReport;
import org.descent.experiment.reproduce.Verdict;
import org.descent.util.Json;
import org.descent.util.RunFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The headline claim with the default configuration (d = N = 10, x ~ U(−1, 1)^d, Adam lr 1e-3, batch 2048, 4000
 * steps), run through the {@code von-oswald-single-layer} preset: the trained single-layer LSA reaches GD(η*)'s test
 * loss within 1%, model cos ≥ 0.999, preds diff ≤ 0.05, Γ_eff = η*·I within 5%, all on the bootstrap interval.
 * About 30 s on one thread.
 */
class VonOswaldSingleLayerTest {

    @Test
    void defaultRunImplementsOneGdStep(@TempDir Path dir) throws IOException {
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        ReproductionReport.Outcome o;
        try (PresetRun run = new PresetRun(ws, List.of(0L), new PrintWriter(new StringWriter()), steps -> (s, l, lr) -> { })) {
            o = ReproductionReport.run(Presets.named("von-oswald-single-layer"), run);
        }
        for (Headline h : o.result().headlines()) {
            assertTrue(h.verdict() == null || h.verdict() == Verdict.SUPPORTED, "headline not supported: " + h);
        }
        assertEquals(Verdict.SUPPORTED, o.result().verdict());
        JsonNode m = Json.mapper().readTree(o.report().resolve("metrics.json").toFile());
        assertEquals("supported", m.get("verdict").asText());
        assertNear(RunFiles.value(m, "eta_star"), 1.5151515, 1e-6, "η*");
        double mseGd = RunFiles.value(m, "per_seed.0.mse.gd");
        assertTrue(RunFiles.value(m, "per_seed.0.mse.trained") <= 1.01 * mseGd, m.get("metrics").toString());
        assertTrue(RunFiles.value(m, "per_seed.0.interpolation_mse") <= 1.01 * mseGd, "interpolation midpoint");
        JsonNode manifest = Json.mapper().readTree(o.report().resolve("manifest.json").toFile());
        assertEquals(1, manifest.get("inputs").size());
        assertEquals("checkpoint", manifest.at("/inputs/0/role").asText());
    }
}
