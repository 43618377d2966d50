package org.descent.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.descent.experiment.ExperimentConfig;
import org.descent.experiment.MemoryBudget;
import org.descent.experiment.Workspace;
import org.descent.train.Checkpoints;
import org.descent.util.OutputDirs;

/** Checks made before a command does any work: output folders usable, memory enough. Failures are exit 2. */
final class Preflight {
    /**
     * What a report folder takes (Markdown, HTML with inlined figures, PNGs, JSON, and the npz files: about 9 MB for a
     * verify run on 10,000 test prompts, as much per seed and setting for a reproduction).
     */
    static final long REPORT_BYTES = 32L << 20;

    private Preflight() {}

    /** The models folder can take every checkpoint of the run (intermediate ones included). */
    static void models(Workspace ws, ExperimentConfig cfg, int fromStep, PrintWriter err) {
        int every = cfg.train().checkpointEvery();
        long count = 1 + (every > 0 ? (cfg.train().steps() - fromStep) / every : 0);
        long bytes = count * (cfg.model().isGpt2()
                ? org.descent.train.Gpt2Checkpoints.estimateBytes(cfg.model().gpt2Config(cfg.task()), cfg.train().steps())
                : Checkpoints.estimateBytes(cfg.task(), cfg.model(), cfg.train().steps()));
        output(ws.modelsDir(), "--models-dir", bytes, err);
    }

    static void reports(Workspace ws, PrintWriter err) {
        output(ws.reportsDir(), "--reports-dir", REPORT_BYTES, err);
    }

    static void output(Path dir, String option, long bytes, PrintWriter err) {
        for (String note : OutputDirs.prepare(dir, option, bytes)) {
            err.println("descent: " + note);
        }
        err.flush();
    }

    static void memory(RuntimeOptions runtime, MemoryBudget.Estimate... phases) {
        if (!runtime.skipMemoryCheck) {
            MemoryBudget.require(phases);
        }
    }
}
