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
}
