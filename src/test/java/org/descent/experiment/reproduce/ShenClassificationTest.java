package org.descent.experiment.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.descent.experiment.Workspace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code shen-classification} preset end to end, shortened: with two seeds every verdict of the linear-rate claim
 * comes out supported with Student t intervals over seeds, the report holds the loss-gap plot and the per-seed table;
 * with one seed the slope's interval is the regression interval; and a run too short to reach the final-gap bound is
 * not called supported on (b).
 */
class ShenClassificationTest {

    private static ReproductionReport.Outcome run(Path dir, ShenClassification preset, List<Long> seeds) {
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        try (PresetRun run = new PresetRun(ws, seeds, new PrintWriter(new StringWriter()), steps -> (s, l, lr) -> { })) {
            return ReproductionReport.run(preset, run);
        }
    }

    private static Headline head(ReproductionReport.Outcome o, String key) {
        return o.result().headlines().stream().filter(h -> h.key().equals(key)).findFirst().orElseThrow();
    }

    @Test
    void shortenedPresetSupportsTheClaimOverTwoSeeds(@TempDir Path dir) throws Exception {
        ReproductionReport.Outcome o = run(dir, new ShenClassification(700, 2000, 2000), List.of(0L, 1L));
        for (String key : List.of("log_gap_slope", "log_gap_line_r2", "r2_line_minus_power_law",
                "slope_ratio_last_first_third", "final_gap_fraction", "parameter_error", "optimum_gradient_norm",
                "construction_vs_oracle", "control_r2_line_minus_power_law")) {
            Headline h = head(o, key);
            assertEquals(Verdict.SUPPORTED, h.verdict(), h.toString());
            assertEquals(2, h.scope().seeds(), h.toString());
        }
        // 2,000 test prompts and a t interval with 1 degree of freedom: the accuracy check may stay open, not fail
        Headline acc = head(o, "accuracy_vs_bayes");
        assertTrue(acc.verdict() != Verdict.NOT_SUPPORTED && Math.abs(acc.interval().estimate()) < 0.02,
                acc.toString());
        Headline slope = head(o, "log_gap_slope");
        assertTrue(slope.interval().upper() < -0.01, "a clearly negative rate: " + slope);
        String md = Files.readString(o.report().resolve("report.md"));
        assertTrue(md.contains("Loss gap") && md.contains("loss_gap"), "the log-gap plot");
        assertTrue(md.contains("slope last/first third"), "the per-seed table");
        assertTrue(md.contains("cross-entropy"), "the loss is named");
        assertTrue(Files.exists(o.report().resolve("predictions.npz")));
    }

    @Test
    void oneSeedUsesTheRegressionIntervalAndAShortRunFailsTheFinalGap(@TempDir Path dir) {
        ReproductionReport.Outcome o = run(dir, new ShenClassification(250, 1000, 1000), List.of(3L));
        Headline slope = head(o, "log_gap_slope");
        assertEquals("regression", slope.scope().method());
        assertTrue(slope.interval().lower() < slope.interval().estimate()
                && slope.interval().estimate() < slope.interval().upper(), slope.toString());
        Headline gap = head(o, "final_gap_fraction");
        assertEquals(Verdict.NOT_SUPPORTED, gap.verdict(), "250 steps leave the gap far above 1e-8: " + gap);
        Headline w = head(o, "parameter_error");
        assertEquals(Verdict.NOT_SUPPORTED, w.verdict(), "250 steps leave W_T far from W* too (rule (c)): " + w);
        assertEquals(Verdict.NOT_SUPPORTED, o.result().verdict());
    }
}
