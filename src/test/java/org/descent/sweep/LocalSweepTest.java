package org.descent.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.descent.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real sweep of three tiny verify cells through the local executor: the sweep process is killed (SIGKILL, with its
 * worker) in the middle of the second cell, which leaves no half-written cell; the re-run finishes it without
 * re-running the first, records the corner whose test set cannot fit in memory as failed with its error, exits 9, and
 * writes the table and the report.
 */
class LocalSweepTest {
    @TempDir Path tmp;

    @Test
    void killedMidwayThenResumedWithAFailingCorner() throws Exception {
        Path spec = tmp.resolve("e2e.json");
        Files.writeString(spec, "{\"name\": \"e2e\", \"base\": {\"task\": {\"n\": 6}, \"train\": {\"steps\": 60, "
                + "\"batchSize\": 128, \"lr\": 0.01}, \"eval\": {\"searchPrompts\": 3000}}, \"zip\": [{\"task.d\": [3, 4, 3], "
                + "\"eval.testPrompts\": [300, 300, 2000000000]}]}");
        Path dir = tmp.resolve("sweep");
        Path models = tmp.resolve("models");

        List<String> cmd = new ArrayList<>(List.of(WorkerCommand.java()));
        cmd.addAll(WorkerCommand.jvmFlags());
        cmd.addAll(List.of("-cp", WorkerCommand.classPath(), "org.descent.cli.Main", "sweep", "run", spec.toString(),
                "--sweep-dir", dir.toString(), "--models-dir", models.toString(), "--jobs", "1"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("first-run.log").toFile());
        pb.environment().put("MKL_CBWR", "AUTO");
        Process first = pb.start();
        SweepDir sweep = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            if (sweep == null && Files.exists(dir.resolve(SweepDir.PLAN))) {
                sweep = SweepDir.open(dir);
            }
            if (sweep != null && sweep.state(0) == SweepDir.State.OK && Files.isDirectory(sweep.staging(1))) {
                break;
            }
            assertTrue(first.isAlive(), "the sweep ended early: " + Files.readString(tmp.resolve("first-run.log")));
            Thread.sleep(100);
        }
        assertTrue(sweep != null && sweep.state(0) == SweepDir.State.OK, "cell 0 finished in time");
        first.descendants().forEach(ProcessHandle::destroyForcibly);
        first.destroyForcibly();
        first.waitFor(30, TimeUnit.SECONDS);
        Thread.sleep(500);
        assertFalse(Files.exists(sweep.published(1)), "no half-written cell folder after SIGKILL");
        assertTrue(List.of(SweepDir.State.STALE, SweepDir.State.PENDING).contains(sweep.state(1)), sweep.state(1)
                .toString());
        String cell0 = Files.readString(sweep.published(0).resolve(SweepDir.CELL_JSON));

        TestSupport.CliResult r = TestSupport.cli("sweep", "run", spec.toString(), "--sweep-dir", dir.toString(),
                "--models-dir", models.toString(), "--jobs", "2");
        assertEquals(9, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("1 finished, 2 to run"), r.out());
        assertEquals(cell0, Files.readString(sweep.published(0).resolve(SweepDir.CELL_JSON)),
                "the finished cell was not run again");
        assertEquals(SweepDir.State.OK, sweep.state(1));
        assertEquals(SweepDir.State.FAILED, sweep.state(2));
        String error = sweep.record(2).path("error").asText();
        assertTrue(error.contains("memory"), error);
        assertTrue(r.out().contains("cells: 2 ok, 1 failed, 0 missing"), r.out());
        assertTrue(Files.isRegularFile(dir.resolve("results.feather")));
        List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
        assertEquals(4, csv.size());
        assertTrue(csv.get(3).contains(",failed,"), csv.get(3));
        assertTrue(Files.isRegularFile(dir.resolve("report").resolve("report.html")));
        try (var files = Files.list(sweep.cellsDir())) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("."))
                    .toList(), "no staging folders left");
        }

        TestSupport.CliResult st = TestSupport.cli("sweep", "status", dir.toString());
        assertEquals(0, st.code());
        assertTrue(st.out().contains("2 ok, 1 failed, 0 running, 0 stale (worker gone), 0 pending"), st.out());
    }
}
