package org.descent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.descent.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Progress where standard error is not a terminal: one plain line per tenth of the run, no carriage returns. */
class ProgressTest {
    private static List<String> lines(int total, int start) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
                Progress p = new Progress("train", total, start, Progress.Mode.LINES, ps)) {
            for (int step = start + 1; step <= total; step++) {
                p.onStep(step, 1.0 / step, 1e-3);
            }
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        assertFalse(s.contains("\r"), "no carriage returns: " + s);
        return s.lines().toList();
    }

    @Test
    void oneLinePerTenth() {
        List<String> l = lines(4000, 0);
        assertEquals(Progress.LINES_PER_RUN, l.size(), String.join("\n", l));
        for (int i = 0; i < l.size(); i++) {
            int pct = 10 * (i + 1);
            assertTrue(l.get(i).matches("train +" + pct + "%  step " + 400 * (i + 1) + "/4000  loss \\d+\\.\\d{4}  \\d+ s "
                    + "elapsed(, ~\\d+ s left)?"), l.get(i));
        }
        assertTrue(l.get(9).startsWith("train 100%  step 4000/4000"), l.get(9));
    }

    @Test
    void shortAndResumedRunsSayLessNeverMore() {
        assertEquals(3, lines(3, 0).size(), "3 steps: 33%, 66%, 100%");
        assertEquals(10, lines(17, 0).size());
        // resumed at 75%: the tenths still to come (80%, 90%, 100%)
        List<String> resumed = lines(400, 300);
        assertEquals(3, resumed.size(), String.join("\n", resumed));
        assertTrue(resumed.get(0).contains("step 320/400"), resumed.get(0));
    }

    @Test
    void quietPrintsNothing() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
                Progress p = new Progress("train", 100, 0, Progress.Mode.OFF, ps)) {
            for (int step = 1; step <= 100; step++) {
                p.onStep(step, 1.0, 1e-3);
            }
        }
        assertEquals(0, buf.size());
    }

    /** The train command, its standard error captured (not a terminal): the plain lines and nothing redrawn. */
    @Test
    void trainingInALogPrintsPlainLines(@TempDir Path dir) {
        assumeFalse(Progress.stderrIsTerminal(), "this JVM's standard error is a terminal");
        TestSupport.CliResult r = TestSupport.cli("train", "--steps", "40", "--d", "2", "--n", "4", "--batch", "16",
                "--models-dir", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("\r"), "no carriage returns on a non-terminal: " + r.err());
        List<String> progress = r.err().lines().filter(s -> s.startsWith("train ")).toList();
        assertEquals(Progress.LINES_PER_RUN, progress.size(), r.err());
        assertTrue(progress.get(progress.size() - 1).startsWith("train 100%  step 40/40"), r.err());
    }
}
