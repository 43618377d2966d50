package org.descent.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.descent.experiment.ExperimentConfig;
import org.descent.foreign.TaskSidecar;
import org.descent.probe.ProbeSuite;
import org.descent.task.MatrixFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drill "lenient JSON": config files, sidecars, suites and matrix files refuse numbers given as strings, fractional
 * values for integer keys, duplicate keys and trailing text, with one-line messages that name the key and carry none
 * of Jackson's advice to programmers.
 */
class JsonStrictnessTest {
    @TempDir Path dir;

    private String error(String json, Function<Path, ?> reader) throws IOException {
        Path f = Files.writeString(dir.resolve("f" + System.nanoTime() + ".json"), json);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reader.apply(f), json);
        String m = e.getMessage();
        assertEquals(1, m.lines().count(), m);
        assertTrue(m.contains(f.toString()), "names the file: " + m);
        for (String internal : new String[] {"DeserializationConfig", "DeserializationFeature", "MapperFeature",
            "CoercionConfig", "through reference chain", "org.descent", "java.lang", "Source:", "`"}) {
            assertFalse(m.contains(internal), "no Jackson internals (" + internal + "): " + m);
        }
        return m;
    }

    @Test
    void configFilesAreStrict() throws IOException {
        Function<Path, ?> load = ExperimentConfig::load;
        assertTrue(error("{\"train\": {\"steps\": \"300\"}}", load).contains("train.steps"));
        assertTrue(error("{\"train\": {\"steps\": 300.7}}", load).contains("train.steps"));
        assertTrue(error("{\"train\": {\"steps\": 300.0}}", load).contains("train.steps"));
        assertTrue(error("{\"train\": {\"lr\": \"0.001\"}}", load).contains("train.lr"));
        assertTrue(error("{\"model\": {\"weightTied\": 1}}", load).contains("model.weightTied"));
        assertTrue(error("{\"model\": {\"weightTied\": \"true\"}}", load).contains("model.weightTied"));
        assertTrue(error("{\"task\": {\"inputs\": 5}}", load).contains("task.inputs"));
        assertTrue(error("{\"task\": {\"noise\": null}}", load).contains("\"task.noise\": expected a number, got null"));
        String dup = error("{\"train\": {\"steps\": 300, \"steps\": 400}}", load);
        assertTrue(dup.contains("duplicate key \"steps\""), dup);
        String dupTop = error("{\"train\": {\"steps\": 300}, \"train\": {\"steps\": 400}}", load);
        assertTrue(dupTop.contains("duplicate key \"train\""), dupTop);
        assertTrue(error("{\"train\": {\"steps\": 300}} {\"x\": 1}", load).contains("after the JSON value"));
        assertTrue(error("{\"train\": {\"steps\": 300}} trailing", load).contains("not valid JSON"));
        assertTrue(error("{\"train\": {\"steps\": 300}} 7", load).contains("after the JSON value"));
        String typed = error("{\"train\": {\"steps\": 300.7}}", load);
        assertTrue(typed.contains("key \"train.steps\": expected an integer, got the fractional number 300.7"), typed);
        assertTrue(error("{\"train\": {\"stesp\": 300}}", load).contains("unknown key \"train.stesp\""));
        // what stays allowed: an integer where a real number is expected
        Path ok = Files.writeString(dir.resolve("ok.json"), "{\"train\": {\"lr\": 1, \"steps\": 300}}");
        assertEquals(1.0, ExperimentConfig.load(ok).train().lr());
        assertEquals(300, ExperimentConfig.load(ok).train().steps());
    }

    @Test
    void aFolderIsNotAConfigFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExperimentConfig.load(dir));
        assertTrue(e.getMessage().contains("is a folder, not a config file"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ExperimentConfig.load(dir.resolve("nope.json")));
        assertTrue(missing.getMessage().contains("no such config file"), missing.getMessage());
    }

    @Test
    void sidecarsAreStrict() throws IOException {
        String base = "\"d\": 10, \"n\": 10, \"inputs\": \"uniform\", \"inputScale\": 1.0";
        Function<Path, ?> read = TaskSidecar::read;
        assertTrue(error("{" + base + ", \"noise\": \"0\"}", read).contains("noise"));
        assertTrue(error("{\"d\": 10.5, \"n\": 10, \"inputs\": \"uniform\", \"inputScale\": 1.0, \"noise\": 0}", read)
                .contains("\"d\""));
        assertTrue(error("{" + base + ", \"noise\": 0, \"d\": 4}", read).contains("duplicate key \"d\""));
        assertTrue(error("{" + base + ", \"noise\": 0} {}", read).contains("after the JSON value"));
        assertTrue(error("{" + base + ", \"noise\": 0}]", read).contains("not valid JSON"));
    }

    @Test
    void suitesAreStrict() throws IOException {
        Function<Path, ?> read = ProbeSuite::read;
        String probes = "\"probes\": [{\"probe\": \"gd-alignment\"}]";
        assertTrue(error("{\"testPrompts\": \"1000\", " + probes + "}", read).contains("testPrompts"));
        assertTrue(error("{\"testPrompts\": 1000.5, " + probes + "}", read).contains("testPrompts"));
        assertTrue(error("{\"seed\": 1, \"seed\": 2, " + probes + "}", read).contains("duplicate key \"seed\""));
        assertTrue(error("{" + probes + "} 5", read).contains("after the JSON value"));
        assertTrue(error("{" + probes + "} x", read).contains("not valid JSON"));
    }

    @Test
    void matrixFilesAreStrict() throws IOException {
        Function<Path, ?> read = MatrixFiles::readJson;
        String m = error("{\"covariance\": [[1]], \"covariance\": [[2]]}", read);
        assertTrue(m.contains("duplicate key \"covariance\""), m);
    }
}
