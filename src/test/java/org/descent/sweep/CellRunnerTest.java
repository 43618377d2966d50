package org.descent.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.descent.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cell runner's claims (one runner per cell, even racing; finished cells never re-run; failed ones re-run; a
 * killed worker's staging folder taken over) and the results table and report, with a stand-in for the command.
 */
class CellRunnerTest {
    @TempDir Path tmp;

    private SweepDir sweep(int cells) throws Exception {
        Path spec = tmp.resolve("spec.json");
        StringBuilder d = new StringBuilder();
        for (int i = 0; i < cells; i++) {
            d.append(i == 0 ? "" : ", ").append(3 + i);
        }
        Files.writeString(spec, "{\"name\": \"t\", \"base\": {\"train\": {\"steps\": 10}}, \"axes\": {\"task.d\": ["
                + d + "]}}");
        SweepSpec s = SweepSpec.load(spec);
        return SweepDir.create(tmp.resolve("sweep"), spec, s, s.cells(), tmp.resolve("models"));
    }

    /** Writes what a verify run would: a report folder with metrics.json and manifest.json. */
    private static CellRunner.Invoker fake(double value, AtomicInteger calls) {
        return args -> {
            calls.incrementAndGet();
            Path reports = Path.of(args.get(args.indexOf("--reports-dir") + 1));
            Path run = reports.resolve("20260101-000000-verify-abcd");
            try {
                Files.createDirectories(run);
                Files.writeString(run.resolve("metrics.json"), "{\"schema_version\": 1, \"run_id\": \"r\", \"kind\": "
                        + "\"verify\", \"verdict\": \"consistent\", \"metrics\": [{\"key\": \"preds_diff\", \"label\": "
                        + "\"p\", \"value\": " + value + ", \"lower\": 0.0, \"upper\": 1.0, \"outcome\": \"pass\"}, "
                        + "{\"key\": \"mse.trained\", \"label\": \"m\", \"value\": null}], \"verdicts\": [{\"key\": "
                        + "\"one_step_gd\", \"outcome\": \"consistent\"}]}");
                Files.writeString(run.resolve("manifest.json"), "{\"provenance\": {\"git_commit\": \"abc\"}, "
                        + "\"timings\": {\"train_s\": 1.5}, \"details\": {\"training_cached\": false}}");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            System.out.println("fake verify done");
            return 0;
        };
    }

    private static CellRunner.Invoker failing(AtomicInteger calls) {
        return args -> {
            calls.incrementAndGet();
            System.err.println("descent: error: training diverged at step 3");
            return 3;
        };
    }

    @Test
    void finishedCellsAreNeverRunAgainAndFailedOnesAre() throws Exception {
        SweepDir s = sweep(2);
        AtomicInteger calls = new AtomicInteger();
        assertEquals(CellRunner.Outcome.FAILED, CellRunner.run(s, 0, false, failing(calls), null).outcome());
        assertEquals(SweepDir.State.FAILED, s.state(0));
        assertTrue(s.record(0).path("error").asText().contains("training diverged"), s.record(0).toString());
        assertEquals(3, s.record(0).path("exit_code").asInt());

        assertEquals(CellRunner.Outcome.OK, CellRunner.run(s, 0, false, fake(0.5, calls), null).outcome());
        assertEquals(SweepDir.State.OK, s.state(0));
        String first = Files.readString(s.published(0).resolve("cell.json"));
        assertEquals(CellRunner.Outcome.DONE, CellRunner.run(s, 0, false, fake(0.7, calls), null).outcome());
        assertEquals(2, calls.get(), "a finished cell does not run again");
        assertEquals(first, Files.readString(s.published(0).resolve("cell.json")));
        assertTrue(Files.readString(s.published(0).resolve("log.txt")).contains("fake verify done"));
        assertEquals(List.of(), leftovers(s), "no staging or retired folders left");
    }

    @Test
    void racingRunnersRunACellOnce() throws Exception {
        SweepDir s = sweep(1);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CellRunner.Invoker slow = args -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return fake(0.5, calls).run(args);
        };
        List<CellRunner.Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread a = new Thread(() -> outcomes.add(CellRunner.run(s, 0, false, slow, null).outcome()));
        a.start();
        inside.await();
        assertEquals(SweepDir.State.RUNNING, s.state(0));
        outcomes.add(CellRunner.run(s, 0, false, fake(0.9, calls), null).outcome()); // while the first one runs
        release.countDown();
        a.join();
        outcomes.add(CellRunner.run(s, 0, false, fake(0.9, calls), null).outcome()); // after it finished
        assertEquals(1, calls.get(), "one run of the cell: " + outcomes);
        assertTrue(outcomes.contains(CellRunner.Outcome.BUSY) && outcomes.contains(CellRunner.Outcome.OK)
                && outcomes.contains(CellRunner.Outcome.DONE), outcomes.toString());
    }

    @Test
    void aKilledWorkersStagingFolderIsTakenOverAndNeverPublished() throws Exception {
        SweepDir s = sweep(1);
        Path staging = s.staging(0);
        Files.createDirectories(staging);
        Files.writeString(staging.resolve(".lock"), "pid 999999\n"); // nobody holds its lock: the worker died
        Files.writeString(staging.resolve("log.txt"), "half a run");
        assertEquals(SweepDir.State.STALE, s.state(0));
        assertFalse(Files.exists(s.published(0)), "a half-written cell is never visible as a cell folder");
        AtomicInteger calls = new AtomicInteger();
        assertEquals(CellRunner.Outcome.OK, CellRunner.run(s, 0, false, fake(0.5, calls), null).outcome());
        assertFalse(Files.readString(s.published(0).resolve("log.txt")).contains("half a run"));
        assertEquals(List.of(), leftovers(s));
    }

    @Test
    void tableHasOneRowPerCellWithStatusAndIsAValidFeatherFile() throws Exception {
        SweepDir s = sweep(3);
        AtomicInteger calls = new AtomicInteger();
        CellRunner.run(s, 0, false, fake(0.25, calls), null);
        CellRunner.run(s, 1, false, failing(calls), null);
        ResultsTable t = ResultsTable.collect(s);
        assertEquals(3, t.rows().size());
        assertEquals(List.of("ok", "failed", "missing"), t.rows().stream().map(r -> r.get("status")).toList());
        Map<String, Object> ok = t.rows().get(0);
        assertEquals(0.25, ok.get("metric.preds_diff"));
        assertEquals("pass", ok.get("metric.preds_diff.outcome"));
        assertEquals("consistent", ok.get("verdict.one_step_gd"));
        assertEquals(3L, ok.get("task.d"));
        assertEquals(3L, ok.get("config.task.d"));
        assertEquals(10L, ok.get("config.train.steps"));
        assertEquals("abc", ok.get("git_commit"));
        assertEquals(1.5, ok.get("timing.train_s"));
        assertNull(ok.get("metric.mse.trained"), "NaN/Inf metrics are missing values");
        assertTrue(String.valueOf(t.rows().get(1).get("error")).contains("diverged"));
        assertEquals("not run yet", t.rows().get(2).get("error"));
        assertEquals(List.of("cell", "cell_id", "status", "error", "seed", "task.d"), t.columns().subList(0, 6));
        t.write(s);

        // CSV: header plus one line per cell
        List<String> csv = Files.readAllLines(s.dir().resolve("results.csv"));
        assertEquals(4, csv.size());
        assertTrue(csv.get(0).startsWith("cell,cell_id,status,error,seed,task.d,"));
        // Feather v2 = Arrow IPC file: magic at both ends, a schema with the table's columns and types, 3 rows
        byte[] bytes = Files.readAllBytes(s.dir().resolve("results.feather"));
        assertEquals("ARROW1", new String(bytes, 0, 6, StandardCharsets.US_ASCII));
        assertEquals("ARROW1", new String(bytes, bytes.length - 6, 6, StandardCharsets.US_ASCII));
        assertTrue(ByteBuffer.wrap(bytes, bytes.length - 10, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() > 0);
        try (RootAllocator alloc = new RootAllocator();
                FileChannel ch = FileChannel.open(s.dir().resolve("results.feather"));
                ArrowFileReader reader = new ArrowFileReader(ch, alloc)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            List<String> names = root.getSchema().getFields().stream().map(Field::getName).toList();
            assertEquals(t.columns(), names);
            assertTrue(reader.loadNextBatch());
            assertEquals(3, root.getRowCount());
            assertTrue(root.getVector("cell").getField().getType() instanceof ArrowType.Int);
            assertTrue(root.getVector("metric.preds_diff").getField().getType() instanceof ArrowType.FloatingPoint);
            assertEquals("failed", root.getVector("status").getObject(1).toString());
            assertTrue(root.getVector("metric.preds_diff").isNull(1));
            assertEquals(0.25, (Double) root.getVector("metric.preds_diff").getObject(0));
        }

        Path report = SweepReport.write(s, t);
        String md = Files.readString(report.resolve("report.md"));
        assertTrue(md.contains("Failed and missing cells") && md.contains("diverged"), md);
        assertTrue(Files.exists(report.resolve("report.html")));
        assertTrue(Files.list(report).anyMatch(p -> p.toString().endsWith(".svg")));
        assertTrue(Files.list(report).anyMatch(p -> p.toString().endsWith(".png")));
        assertNotNull(Json.mapper().readTree(report.resolve("manifest.json").toFile()).get("plan_sha256"));
    }

    @Test
    void aChangedSpecCannotReuseTheFolder() throws Exception {
        SweepDir s = sweep(2);
        Path spec = tmp.resolve("other.json");
        Files.writeString(spec, "{\"name\": \"t\", \"axes\": {\"task.d\": [7]}}");
        SweepSpec other = SweepSpec.load(spec);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SweepDir.create(s.dir(), spec, other, other.cells(), tmp.resolve("models")));
        assertTrue(e.getMessage().contains("holds another sweep"), e.getMessage());
    }

    private static List<String> leftovers(SweepDir s) throws Exception {
        try (var files = Files.list(s.cellsDir())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
        }
    }
}
