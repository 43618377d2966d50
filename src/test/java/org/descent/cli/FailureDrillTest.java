package org.descent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.descent.TestSupport;
import org.descent.train.Checkpoints;
import org.descent.util.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile drill of issue 11 ("nothing lost, nothing silent") as tests: unusable output folders are found before
 * the work, signals save a resumable checkpoint, stale staging folders are cleaned, a full disk never loses a
 * finished training, and resuming a finished checkpoint is refused. Runs that must be killed or need a full or
 * read-only file system run in a child JVM (the latter inside a private mount namespace, where one can be made).
 */
class FailureDrillTest {
    static final String[] SMALL = {"--d", "2", "--n", "4", "--batch", "16", "--schedule", "constant", "--lr", "0.01",
        "-q"};

    static String[] args(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    static List<Path> visible(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    static List<Path> hidden(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".")).toList();
        }
    }

    // ---------------------------------------------------------------- in-process drills

    @Test
    void unusableOutputFoldersAreRefusedBeforeTheWork(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("models-file"), "x");
        long t0 = System.nanoTime();
        TestSupport.CliResult r = TestSupport.cli(args(new String[] {"train", "--steps", "100000", "--models-dir",
            file.toString()}, SMALL));
        CliTest.assertOneLineError(r, "--models-dir " + file + " is a file, not a folder");
        assertTrue((System.nanoTime() - t0) / 1e9 < 20, "refused before training");
        CliTest.assertOneLineError(TestSupport.cli("verify", "--steps", "100000", "--reports-dir", file.toString(),
                "--models-dir", dir.resolve("m").toString(), "-q"), "--reports-dir " + file + " is a file");
        CliTest.assertOneLineError(TestSupport.cli("dataset", "--name", "x", "--datasets-dir", file.toString()),
                "--datasets-dir " + file + " is a file");
        CliTest.assertOneLineError(TestSupport.cli("probe", "--checkpoint", "models/fixtures/lsa_gd.pt",
                "--reports-dir", file.toString(), "-q"), "--reports-dir " + file + " is a file");
        assertEquals(List.of(), visible(dir.resolve("m")), "no checkpoint written");
        if (!"root".equals(System.getProperty("user.name"))) { // root writes into read-only folders anyway
            Path ro = Files.createDirectories(dir.resolve("ro"));
            ro.toFile().setWritable(false, false);
            try {
                CliTest.assertOneLineError(TestSupport.cli(args(new String[] {"train", "--steps", "100000",
                    "--models-dir", ro.toString()}, SMALL)), "is not writable");
            } finally {
                ro.toFile().setWritable(true, false);
            }
        }
    }

    @Test
    void wrongMessagesAreRight(@TempDir Path dir) {
        for (String name : List.of(".", "..", ".hidden", "a/b")) {
            CliTest.assertOneLineError(TestSupport.cli("dataset", "--name", name, "--datasets-dir",
                    dir.toString()), "invalid dataset name");
        }
        CliTest.assertOneLineError(TestSupport.cli("train", "--config", dir.toString(), "-q"),
                "is a folder, not a config file");
    }

    @Test
    void hugeModelsAreRefusedAtOnce(@TempDir Path dir) {
        String m = dir.resolve("m").toString();
        for (String[] a : List.of(new String[] {"--d", "5000"}, new String[] {"--batch", "100000000"},
                new String[] {"--batch", "20000000"})) {
            long t0 = System.nanoTime();
            CliTest.assertOneLineError(TestSupport.cli(args(new String[] {"train", "--models-dir", m, "-q"}, a)),
                    "not enough memory");
            assertTrue((System.nanoTime() - t0) / 1e9 < 10, "refused from the shapes");
        }
    }

    @Test
    void staleStagingFoldersAreCleanedAndLiveOnesKept(@TempDir Path dir) throws IOException {
        Path models = Files.createDirectories(dir.resolve("models"));
        Path killed = Files.createDirectories(models.resolve(".20260101-000000-train-dead-step0000005.partial"));
        Files.writeString(killed.resolve(".lock"), "pid 1\n"); // nobody holds its lock: its writer is gone
        Files.writeString(killed.resolve("lsa.params"), "half-written");
        Path legacy = Files.createDirectories(models.resolve(".old-run.partial")); // no lock file, hours old
        Files.setLastModifiedTime(legacy, FileTime.from(Instant.now().minusSeconds(3 * 3600)));
        Path fresh = Files.createDirectories(models.resolve(".just-created.partial")); // no lock yet, seconds old
        RunDirectory live = RunDirectory.named(models, "live-run"); // a live run writing next to them
        try {
            TestSupport.CliResult r = TestSupport.cli(args(new String[] {"train", "--steps", "3", "--models-dir",
                models.toString()}, SMALL));
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("removed the staging folder " + killed), r.err());
            assertTrue(r.err().contains("removed the staging folder " + legacy), r.err());
            assertFalse(Files.exists(killed) || Files.exists(legacy));
            assertTrue(Files.isDirectory(live.staging()), "a live run's staging folder is left alone");
            assertTrue(Files.isDirectory(fresh), "a fresh lock-less folder is left alone");
            Files.writeString(live.file("x"), "still writing");
            assertEquals(models.resolve("live-run"), live.publish());
        } finally {
            live.discard();
        }
    }

    @Test
    void resumingAFinishedCheckpointIsRefusedAndRunIdentityHolds(@TempDir Path dir) throws IOException {
        Path models = dir.resolve("models");
        TestSupport.CliResult r = TestSupport.cli(args(new String[] {"train", "--steps", "6", "--checkpoint-every",
            "2", "--models-dir", models.toString()}, SMALL));
        assertEquals(0, r.code(), r.err());
        List<Path> ckpts = visible(models);
        assertEquals(3, ckpts.size(), ckpts.toString()); // steps 2, 4 and the final 6
        String runId;
        try (NDManager manager = NDManager.newBaseManager()) {
            runId = Checkpoints.load(ckpts.get(0), manager).manifest().runId();
            int[] steps = {2, 4, 6};
            for (int i = 0; i < 3; i++) {
                Checkpoints.CheckpointManifest m = Checkpoints.load(ckpts.get(i), manager).manifest();
                assertEquals(runId, m.runId());
                assertEquals(steps[i], m.step(), "sorted by name = sorted by step");
                assertEquals(ckpts.get(i).getFileName().toString(), m.checkpoint());
                assertEquals(runId + String.format("-step%07d", steps[i]), m.checkpoint());
            }
        }
        assertTrue(r.out().contains("training run " + runId), r.out());
        Path last = ckpts.get(2);
        CliTest.assertOneLineError(TestSupport.cli("train", "--resume", last.toString(), "--models-dir",
                models.toString(), "-q"), "is already at step 6 of 6: nothing to train");
        assertEquals(3, visible(models).size(), "no duplicate written");
        TestSupport.CliResult more = TestSupport.cli("train", "--resume", last.toString(), "--steps", "8",
                "--models-dir", models.toString(), "-q");
        assertEquals(0, more.code(), more.err());
        try (NDManager manager = NDManager.newBaseManager()) {
            // the new run's folder (its run id may sort before or after the first run's within the same second)
            List<Path> added = visible(models).stream().filter(p -> !ckpts.contains(p)).toList();
            assertEquals(1, added.size(), added.toString());
            Path resumed = added.get(0);
            Checkpoints.CheckpointManifest m = Checkpoints.load(resumed, manager).manifest();
            assertEquals(last.toString(), m.resumedFrom());
            assertTrue(resumed.getFileName().toString().equals(m.runId() + "-step0000008"), resumed.toString());
        }
    }

    // ---------------------------------------------------------------- child-JVM drills

    /** A descent CLI in a child JVM (same classpath), optionally wrapped by a shell prefix. */
    static ProcessBuilder child(List<String> prefix, Path rescue, String... cliArgs) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-Djava.awt.headless=true", "-Ddescent.rescue.dir=" + rescue, "-Xmx512m", "org.descent.cli.Main"));
        cmd.addAll(List.of(cliArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("MKL_CBWR", "AUTO");
        return pb;
    }

    /** A started child with its stdout and stderr collected on background threads. */
    static final class Child {
        final Process process;
        final StringBuffer out = new StringBuffer();
        final StringBuffer err = new StringBuffer();

        Child(ProcessBuilder pb) throws IOException {
            process = pb.start();
            pump(process.getInputStream(), out);
            pump(process.getErrorStream(), err);
        }

        private static void pump(java.io.InputStream in, StringBuffer sink) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        sink.append(line).append('\n');
                    }
                } catch (IOException ignored) {
                    // process ended
                }
            });
            t.setDaemon(true);
            t.start();
        }

        void awaitOutput(String fragment, long seconds) throws InterruptedException {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (!out.toString().contains(fragment) && System.nanoTime() < end && process.isAlive()) {
                Thread.sleep(50);
            }
            assertTrue(out.toString().contains(fragment), "child never printed \"" + fragment + "\": " + out + err);
        }

        int exit(long seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("child did not exit: " + out + err);
            }
            Thread.sleep(100); // let the pumps drain
            return process.exitValue();
        }

        void signal(String sig) throws IOException, InterruptedException {
            assertEquals(0, new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start().waitFor());
        }
    }

    static final String[] LONG = {"train", "--steps", "3000000", "--checkpoint-every", "1000000", "--d", "2",
        "--n", "4", "--batch", "16", "--schedule", "constant", "--lr", "0.01", "-q"};

    /** Drill: SIGTERM and Ctrl-C (SIGINT) save a resumable checkpoint, print --resume, exit 143 / 130. */
    @Test
    void signalsSaveAResumableCheckpoint(@TempDir Path dir) throws Exception {
        for (String[] sig : new String[][] {{"TERM", "143"}, {"INT", "130"}}) {
            Path models = dir.resolve("models-" + sig[0]);
            Child c = new Child(child(List.of(), dir.resolve("rescue"), args(LONG, "--models-dir",
                    models.toString())));
            c.awaitOutput("training run", 60);
            Thread.sleep(2500); // some steps
            c.signal(sig[0]);
            int code = c.exit(60);
            assertEquals(Integer.parseInt(sig[1]), code, c.out + "\n" + c.err);
            assertTrue(c.err.toString().contains("SIG" + sig[0] + " received"), c.err.toString());
            List<Path> saved = visible(models);
            assertEquals(1, saved.size(), saved.toString());
            assertTrue(saved.get(0).getFileName().toString().endsWith("-interrupted"), saved.toString());
            assertTrue(c.out.toString().contains("resume with: ./descent train --resume " + saved.get(0)
                    + " --models-dir " + models), c.out.toString());
            assertEquals(List.of(), hidden(models), "no staging folder left");
            int step;
            try (NDManager manager = NDManager.newBaseManager()) {
                Checkpoints.Loaded loaded = Checkpoints.load(saved.get(0), manager);
                step = loaded.state().step();
                assertEquals("interrupted", loaded.manifest().status());
                assertTrue(step > 0, "steps were done before the signal");
            }
            TestSupport.CliResult resumed = TestSupport.cli("train", "--resume", saved.get(0).toString(),
                    "--steps", Integer.toString(step + 3), "--models-dir", models.toString(), "-q");
            assertEquals(0, resumed.code(), resumed.err());
        }
    }

    /** Drill: kill -9 while checkpoints are written; every published checkpoint loads, staging folders are cleaned. */
    @Test
    void sigkillLeavesNothingHalfWrittenAndTheNextRunCleansUp(@TempDir Path dir) throws Exception {
        Path models = dir.resolve("models");
        String[] every = {"train", "--steps", "5000", "--checkpoint-every", "1", "--d", "2", "--n", "4",
            "--batch", "4", "-q", "--models-dir", models.toString()};
        Child c = new Child(child(List.of(), dir.resolve("rescue"), every));
        c.awaitOutput("training run", 60);
        for (int i = 0; i < 600 && visible(models).size() < 5; i++) {
            Thread.sleep(50); // until it is busy writing checkpoints
        }
        c.signal("KILL");
        assertEquals(137, c.exit(30));
        List<Path> saved = visible(models);
        assertFalse(saved.isEmpty());
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Path p : saved.subList(Math.max(0, saved.size() - 3), saved.size())) {
                Checkpoints.load(p, manager); // complete and verified
            }
        }
        TestSupport.CliResult next = TestSupport.cli(args(new String[] {"train", "--steps", "2", "--models-dir",
            models.toString()}, SMALL));
        assertEquals(0, next.code(), next.err());
        assertEquals(List.of(), hidden(models), "staging folders of the killed run removed: " + next.err());
    }

    static boolean canMountPrivately() {
        try {
            Process p = new ProcessBuilder("unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt")
                    .redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** A shell prefix that runs the command with {@code mountpoint} as a fresh tmpfs of {@code size}. */
    static List<String> tmpfs(Path mountpoint, String size) {
        return List.of("unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=" + size + " tmpfs '" + mountpoint
                + "' && exec \"$@\"", "sh");
    }

    /** Drill: a full disk. Too little room is refused at once; a disk that fills during the run loses nothing. */
    @Test
    void aFullDiskNeverLosesAFinishedTraining(@TempDir Path dir) throws Exception {
        assumeTrue(canMountPrivately(), "needs unshare -m and mount (root in a container, as in the drill)");
        Path models = Files.createDirectories(dir.resolve("models"));
        Path rescue = dir.resolve("rescue");
        Child tiny = new Child(child(tmpfs(models, "256k"), rescue, args(new String[] {"train", "--steps",
            "3000000", "--models-dir", models.toString()}, SMALL)));
        assertEquals(2, tiny.exit(60), tiny.out + "" + tiny.err);
        assertTrue(tiny.err.toString().contains("free, but this run needs about"), tiny.err.toString());
        assertFalse(tiny.out.toString().contains("training run"), "refused before training");

        Child c = new Child(child(tmpfs(models, "4m"), rescue, args(new String[] {"train", "--steps", "4000",
            "--models-dir", models.toString()}, SMALL)));
        c.awaitOutput("training run", 60);
        // fill the child's private tmpfs through its view of the file system
        Path inside = Path.of("/proc", Long.toString(c.process.pid()), "root").resolve(models.toString().substring(1));
        try (var filler = Files.newOutputStream(inside.resolve("filler"))) {
            byte[] block = new byte[64 * 1024];
            for (int i = 0; i < 1024; i++) {
                filler.write(block);
            }
        } catch (IOException expected) {
            // No space left on device: the disk is full
        }
        int code = c.exit(120);
        assertEquals(6, code, c.out + "\n" + c.err);
        assertTrue(c.err.toString().contains("No space left on device"), c.err.toString());
        List<Path> rescued = visible(rescue);
        assertEquals(1, rescued.size(), rescued.toString());
        assertTrue(c.err.toString().contains("saved to " + rescued.get(0)), c.err.toString());
        try (NDManager manager = NDManager.newBaseManager()) {
            Checkpoints.Loaded l = Checkpoints.load(rescued.get(0), manager);
            assertEquals(4000, l.state().step(), "the finished training is kept");
            assertEquals("final", l.manifest().status());
        }
    }

    /** Drill: a read-only mount (root ignores permission bits, so a real read-only file system is used). */
    @Test
    void aReadOnlyFolderIsRefusedBeforeTheWork(@TempDir Path dir) throws Exception {
        assumeTrue(canMountPrivately(), "needs unshare -m and mount");
        Path models = Files.createDirectories(dir.resolve("models"));
        List<String> ro = List.of("unshare", "-m", "sh", "-c", "mount --bind '" + models + "' '" + models
                + "' && mount -o remount,ro,bind '" + models + "' && exec \"$@\"", "sh");
        Child c = new Child(child(ro, dir.resolve("rescue"), args(new String[] {"train", "--steps", "3000000",
            "--models-dir", models.toString()}, SMALL)));
        assertEquals(2, c.exit(60), c.out + "" + c.err);
        assertTrue(c.err.toString().contains("is not writable") && c.err.toString().contains("Read-only file system"),
                c.err.toString());
        assertFalse(c.out.toString().contains("training run"));
    }
}
