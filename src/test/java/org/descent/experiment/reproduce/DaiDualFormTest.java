package org.descent.experiment.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
 * The {@code dai-dual-form} preset end to end, shortened (a tiny GPT-2, a few steps, a dozen prompts): every metric's
 * headline and its margin over the random-init control come with an interval that contains the estimate, seven claims
 * are tested (Rec2FTP against its base rate among them), and the report states the claim, the per-metric agreement table and both probe runs.
 */
class DaiDualFormTest {

    @Test
    void shortenedPresetProducesEveryHeadlineAndAReport(@TempDir Path dir) throws Exception {
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        ReproductionReport.Outcome o;
        try (PresetRun run = new PresetRun(ws, List.of(0L), new PrintWriter(new StringWriter()),
                steps -> (s, l, lr) -> { })) {
            o = ReproductionReport.run(new DaiDualForm(DaiDualForm.SHORT), run);
        }
        List<String> keys = o.result().headlines().stream().map(Headline::key).toList();
        for (String k : List.of("rec2ftp_over_base_rate", "rec2ftp", "rec2ftp_base_rate", "rec2ftp_over_control", "simaou_over_random", "simaou_over_control",
                "simam_over_zsl", "simam_over_control", "control.rec2ftp", "control.simaou_over_random",
                "control.simam_over_zsl")) {
            assertTrue(keys.contains(k), "headline " + k + " in " + keys);
        }
        Headline simam = o.result().headlines().stream().filter(h -> h.key().equals("simam_over_zsl")).findFirst()
                .orElseThrow();
        assertTrue(Double.isFinite(simam.interval().estimate()), "with one pair before the query SimAM is defined: "
                + simam);
        for (Headline h : o.result().headlines()) {
            if (Double.isFinite(h.interval().lower()) && Double.isFinite(h.interval().upper())) {
                assertTrue(h.interval().lower() <= h.interval().estimate() + 1e-12
                        && h.interval().estimate() <= h.interval().upper() + 1e-12, h.toString());
            }
        }
        assertEquals(7, o.result().headlines().stream().filter(h -> h.verdict() != null).count());
        assertNotNull(o.result().verdict());
        String md = Files.readString(o.report().resolve("report.md"));
        for (String s : List.of("## Claim", "where descent agrees and disagrees", "Rec2FTP", "base rate", "SimAOU", "SimAM",
                "Probe dual-form, query alone", "one labelled pair before the query", "random-init")) {
            assertTrue(md.contains(s), "report mentions " + s);
        }
    }
}
