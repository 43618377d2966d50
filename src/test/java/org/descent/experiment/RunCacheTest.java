package org.descent.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.descent.TestSupport;
import org.descent.train.StopSignal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run cache: a training is found again by config + seed + code version, only when its checkpoint loads and
 * matches; another seed or a damaged checkpoint is a miss (with the reason); verify reuses it unless --no-cache.
 */
class RunCacheTest {
    @TempDir Path tmp;

    @Test
    void findsTheSameTrainingOnlyAndVerifyReusesIt() throws Exception {
        Path config = tmp.resolve("c.json");
        Files.writeString(config, "{\"task\": {\"d\": 3, \"n\": 6}, \"train\": {\"steps\": 20, \"batchSize\": 64}, "
                + "\"eval\": {\"testPrompts\": 200, \"searchPrompts\": 2000}}");
        ExperimentConfig cfg = ExperimentConfig.load(config);
        Workspace ws = new Workspace(tmp.resolve("models"), tmp.resolve("reports"), Device.cpu());
        OneStepGdExperiment.Trained t = TrainingRun.train(cfg, ws, null, null, (s, l, lr) -> { }, StopSignal.never(),
                w -> { });
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            assertNull(RunCache.lookup(ws.modelsDir(), cfg, Device.cpu(), m).hit(), "nothing recorded yet");
            RunCache.record(ws.modelsDir(), cfg, Device.cpu(), t.checkpoint(), t.seconds(), t.medianStepMs());
            RunCache.Hit hit = RunCache.lookup(ws.modelsDir(), cfg, Device.cpu(), m).hit();
            assertNotNull(hit);
            assertEquals(t.checkpoint().toAbsolutePath().normalize(), hit.checkpoint().toAbsolutePath().normalize());
            assertArrayEquals(t.state().weights().layers().get(0).wq(), hit.loaded().state().weights().layers().get(0)
                    .wq());
            ExperimentConfig otherSeed = new ExperimentConfig(cfg.task(), cfg.model(), cfg.train().withSeed(1),
                    cfg.eval());
            assertNotEquals(RunCache.key(cfg, Device.cpu()), RunCache.key(otherSeed, Device.cpu()));
            assertNull(RunCache.lookup(ws.modelsDir(), otherSeed, Device.cpu(), m).hit());
            ExperimentConfig otherEval = new ExperimentConfig(cfg.task(), cfg.model(), cfg.train(),
                    new EvalConfig(300, 2000));
            assertEquals(RunCache.key(cfg, Device.cpu()), RunCache.key(otherEval, Device.cpu()),
                    "evaluation settings do not change the training");
        }

        // verify reuses it (and says so), --no-cache trains again
        TestSupport.CliResult r = TestSupport.cli("verify", "--config", config.toString(), "--models-dir",
                ws.modelsDir().toString(), "--reports-dir", ws.reportsDir().toString(), "-q");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("reusing checkpoint " + t.checkpoint()), r.out());
        r = TestSupport.cli("verify", "--config", config.toString(), "--models-dir", ws.modelsDir().toString(),
                "--reports-dir", ws.reportsDir().toString(), "-q", "--no-cache");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("trained in"), r.out());

        // the preset runner (verify --seeds, reproduce) reuses it too: seed 0 is cached, seed 1 trains
        r = TestSupport.cli("verify", "--config", config.toString(), "--seeds", "2", "--models-dir",
                ws.modelsDir().toString(), "--reports-dir", ws.reportsDir().toString(), "-q");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(seed 0): reusing checkpoint") && r.out().contains("training 1-layer LSA (seed 1"),
                r.out());

        // a damaged checkpoint is a miss with the reason, never a wrong reuse
        Path params = Files.list(t.checkpoint()).filter(p -> p.toString().endsWith(".params")).findFirst()
                .orElseThrow();
        byte[] b = Files.readAllBytes(params);
        b[b.length - 1] ^= 1;
        Files.write(params, b);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            RunCache.record(ws.modelsDir(), cfg, Device.cpu(), t.checkpoint(), 1, 1);
            RunCache.Lookup miss = RunCache.lookup(ws.modelsDir(), cfg, Device.cpu(), m);
            assertNull(miss.hit());
            assertTrue(miss.missReason() != null && miss.missReason().contains("cannot use"), miss.missReason());
        }
    }
}
