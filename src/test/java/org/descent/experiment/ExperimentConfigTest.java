package org.descent.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.descent.model.ModelConfig;
import org.descent.task.TaskConfig;
import org.descent.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config files: partial files keep defaults; unknown keys and impossible values are clear errors. */
class ExperimentConfigTest {

    static String error(Path dir, String json) throws IOException {
        Path f = Files.writeString(dir.resolve("c.json"), json);
        return assertThrows(IllegalArgumentException.class, () -> ExperimentConfig.load(f)).getMessage();
    }

    @Test
    void partialFileOverridesOnlyItsKeys(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("c.json"), "{\"task\": {\"d\": 4}, \"train\": {\"steps\": 7}}");
        ExperimentConfig c = ExperimentConfig.load(f);
        assertEquals(TaskConfig.defaults().withD(4), c.task());
        assertEquals(7, c.train().steps());
        assertEquals(TrainConfig.defaults().lr(), c.train().lr());
        assertEquals(ModelConfig.defaults(), c.model());
    }

    @Test
    void unknownKeysAreErrors(@TempDir Path dir) throws IOException {
        assertTrue(error(dir, "{\"tsak\": {}}").contains("tsak"));
        assertTrue(error(dir, "{\"train\": {\"stepz\": 3}}").contains("stepz"));
    }

    @Test
    void impossibleValuesAreErrorsNamingTheProblem(@TempDir Path dir) throws IOException {
        assertTrue(error(dir, "{\"task\": {\"d\": 0}}").contains("d must be a positive integer"));
        assertTrue(error(dir, "{\"task\": {\"n\": -2}}").contains("n (context examples)"));
        assertTrue(error(dir, "{\"task\": {\"noise\": -0.1}}").contains("noise"));
        assertTrue(error(dir, "{\"train\": {\"lr\": 0}}").contains("learning rate"));
        assertTrue(error(dir, "{\"train\": {\"batchSize\": 0}}").contains("batch size"));
        assertTrue(error(dir, "{\"train\": {\"steps\": 0}}").contains("steps"));
        assertTrue(error(dir, "{\"model\": {\"layers\": 0}}").contains("layers"));
        assertTrue(error(dir, "{\"task\": {\"inputs\": \"cauchy\"}}").contains("cauchy"));
        assertTrue(error(dir, "not json").contains("not valid JSON"));
    }

    @Test
    void cosineScheduleDecaysToTheFloor() {
        TrainConfig c = new TrainConfig(100, 8, 1.0, 0.9, 0.999, 1e-8, 0, TrainConfig.COSINE, 10, 0.1, 0, 0);
        assertEquals(0.1, c.learningRate(0), 1e-12);
        assertEquals(1.0, c.learningRate(10), 1e-12);
        assertEquals(0.55, c.learningRate(55), 1e-12);
        assertTrue(c.learningRate(99) < 0.11);
    }

    /** A run manifest is a config file: its "config" object, read as strictly as a plain file. */
    @Test
    void manifestsAreReadAsTheirConfig(@TempDir Path dir) throws IOException {
        ExperimentConfig cfg = new ExperimentConfig(TaskConfig.defaults().withD(4), new ModelConfig(2, false, 0.1),
                TrainConfig.defaults().withSteps(9), new EvalConfig(300, 1000));
        org.descent.util.RunManifest m = new org.descent.util.RunManifest("20260101-000000-verify-0001", "verify",
                java.util.List.of("descent", "verify"), cfg, java.util.Map.of());
        Path f = Files.writeString(dir.resolve("manifest.json"), org.descent.util.Json.write(m.toMap()));
        assertEquals(cfg, ExperimentConfig.load(f));

        // written before the schema: a verify manifest (run_id, kind, config) and a checkpoint manifest (format 2)
        Path legacy = Files.writeString(dir.resolve("old.json"), "{\"run_id\": \"x\", \"kind\": \"verify\", "
                + "\"config\": {\"task\": {\"d\": 5}}, \"seeds\": {}, \"provenance\": {}}");
        assertEquals(TaskConfig.defaults().withD(5), ExperimentConfig.load(legacy).task());
        Path checkpoint = Files.writeString(dir.resolve("ckpt.json"), "{\"format\": \"descent-lsa-checkpoint/2\", "
                + "\"runId\": \"r\", \"status\": \"final\", \"step\": 3, \"task\": {\"d\": 3, \"n\": 5}, "
                + "\"model\": {\"layers\": 2}, \"train\": {\"steps\": 3}, \"sha256\": {}}");
        ExperimentConfig fromCheckpoint = ExperimentConfig.load(checkpoint);
        assertEquals(3, fromCheckpoint.task().d());
        assertEquals(2, fromCheckpoint.model().layers());
        assertEquals(3, fromCheckpoint.train().steps());

        // strict inside: an unknown key in the config is still an error; a plain file with run_id alone too
        assertTrue(error(dir, "{\"schema_version\": 1, \"kind\": \"verify\", \"config\": {\"task\": "
                + "{\"dd\": 4}}}").contains("dd"));
        assertTrue(error(dir, "{\"run_id\": \"x\", \"task\": {}}").contains("run_id"));
        // a manifest of another kind names the command that re-runs it; a newer schema is refused
        String probe = error(dir, "{\"schema_version\": 1, \"kind\": \"probe\", \"command\": [\"descent\", "
                + "\"probe\", \"--checkpoint\", \"m.pt\"], \"config\": {}}");
        assertTrue(probe.contains("probe run") && probe.contains("descent probe --checkpoint m.pt"), probe);
        assertTrue(error(dir, "{\"schema_version\": 99, \"kind\": \"verify\", \"config\": {}}")
                .contains("schema_version 99"));
    }
}
