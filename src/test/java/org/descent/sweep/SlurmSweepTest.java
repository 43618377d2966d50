package org.descent.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.descent.TestSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code descent sweep run --executor slurm} end to end on a real single-node Slurm cluster started by
 * {@code scripts/slurm_local.sh} (which installs Debian's slurm-wlm and munge when they are missing). Skipped, loudly,
 * where that is impossible (no root, no apt); {@code mvn -B test -Dgroups=slurm} runs it alone.
 */
@Tag("slurm")
class SlurmSweepTest {
    @TempDir Path tmp;

    private static int script(String action, Path log) throws Exception {
        Process p = new ProcessBuilder("bash", "scripts/slurm_local.sh", action).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return 124;
        }
        return p.exitValue();
    }

    @Test
    void twoCellsThroughSbatchArray() throws Exception {
        Path log = tmp.resolve("slurm_local.log");
        boolean wasRunning = script("status", log) == 0;
        int started = wasRunning ? 0 : script("start", log);
        String said = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        if (started == 3) {
            String msg = "SKIPPED SlurmSweepTest: no Slurm cluster can be started here (" + said.strip() + "); the "
                    + "Slurm executor was NOT tested";
            System.err.println("*".repeat(100) + "\n" + msg + "\n" + "*".repeat(100));
            Assumptions.abort(msg);
        }
        assertEquals(0, started, "scripts/slurm_local.sh start: " + said);
        try {
            Path dir = tmp.resolve("sweep");
            TestSupport.CliResult r = TestSupport.cli("sweep", "run", "example:verify-d-n-fast", "--executor", "slurm",
                    "--sweep-dir", dir.toString(), "--models-dir", tmp.resolve("models").toString(), "--time",
                    "00:10:00");
            assertEquals(0, r.code(), r.out() + r.err());
            assertTrue(r.err().contains("submitted Slurm job"), r.err());
            SweepDir sweep = SweepDir.open(dir);
            assertEquals(2, sweep.counts().get(SweepDir.State.OK));
            for (int i = 0; i < 2; i++) {
                assertEquals("slurm", sweep.record(i).path("executor").path("name").asText());
                assertTrue(sweep.record(i).path("executor").hasNonNull("slurm_job_id"));
            }
            List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
            assertEquals(3, csv.size());
            assertTrue(Files.isRegularFile(dir.resolve("report").resolve("report.html")));
            String script = Files.readString(Files.list(dir.resolve("slurm")).filter(p -> p.toString()
                    .endsWith(".sbatch")).findFirst().orElseThrow());
            assertTrue(script.contains("#SBATCH --array=0-1") && script.contains("#SBATCH --time=00:10:00"), script);

            // resumable: nothing left to submit
            TestSupport.CliResult again = TestSupport.cli("sweep", "run", "example:verify-d-n-fast", "--executor",
                    "slurm", "--sweep-dir", dir.toString(), "--models-dir", tmp.resolve("models").toString());
            assertEquals(0, again.code(), again.out() + again.err());
            assertTrue(again.out().contains("2 finished, 0 to run"), again.out());
            TestSupport.CliResult st = TestSupport.cli("sweep", "status", dir.toString());
            assertTrue(st.out().contains("slurm jobs"), st.out());
        } finally {
            if (!wasRunning) {
                script("stop", log);
            }
        }
    }
}
