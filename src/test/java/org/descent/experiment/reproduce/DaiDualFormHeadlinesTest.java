package org.descent.experiment.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.descent.compare.Bootstrap;
import org.descent.probe.Evidence;
import org.descent.probe.Outcome;
import org.descent.probe.ProbeResult;
import org.descent.probe.builtin.DualFormProbe;
import org.junit.jupiter.api.Test;

/**
 * dai-dual-form's mapping from the probe's evidence to its tested headlines, on hand-made probe results: each metric's
 * level comes from the probe's first criterion and its control margin from the second, Rec2FTP's lift over its base
 * rate from its third, each judged against the preset's own threshold. (Swapping the criteria or loosening a MIN_
 * constant left DaiDualFormTest green.)
 */
class DaiDualFormHeadlinesTest {
    /** Tolerance for estimates copied through unchanged. */
    static final double EXACT = 1e-15;

    private static Evidence level(String label, double estimate, double halfWidth, double threshold) {
        return Evidence.decide(label, new Bootstrap.Interval(estimate, estimate - halfWidth, estimate + halfWidth,
                0.95, 64), Evidence.Comparison.AT_LEAST, threshold);
    }

    private static org.descent.probe.Verdict verdict(String hypothesis, double value, double margin, double min) {
        return verdict(hypothesis, value, margin, min, Double.NaN);
    }

    /** With {@code lift} (not NaN): Rec2FTP's third criterion, Rec2FTP − its base rate. */
    private static org.descent.probe.Verdict verdict(String hypothesis, double value, double margin, double min,
            double lift) {
        List<Evidence> ev = new java.util.ArrayList<>(List.of(level(hypothesis, value, 0.01, min).sufficient(),
                level(hypothesis + " margin", margin, 0.01, DaiDualForm.MIN_CONTROL_MARGIN)));
        if (!Double.isNaN(lift)) {
            ev.add(level(hypothesis + " over base rate", lift, 0.01, DaiDualForm.MIN_REC2FTP_OVER_BASE_RATE));
        }
        return new org.descent.probe.Verdict(hypothesis, Outcome.INCONCLUSIVE, ev, "");
    }

    private static Map<String, Object> iv(double v) {
        return Map.of("estimate", v, "lower", v - 0.01, "upper", v + 0.01);
    }

    private static Map<String, Object> metrics() {
        Map<String, Object> scope = Map.of("simaou_over_random", iv(0.0), "simam_over_zsl", iv(0.0));
        Map<String, Object> control = Map.of("rec2ftp", iv(0.5), "ft_kv", scope);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rec2ftp", iv(0.9));
        m.put("rec2ftp_base_rate", iv(0.85));
        m.put("ft_kv", scope);
        m.put("ft_all", scope);
        m.put("random_init_control", control);
        return m;
    }

    private static ProbeResult result(double rec2ftp, double recMargin, double simaou, double simaouMargin,
            double simam, double simamMargin) {
        return result(rec2ftp, recMargin, 0.3, simaou, simaouMargin, simam, simamMargin);
    }

    private static ProbeResult result(double rec2ftp, double recMargin, double recLift, double simaou,
            double simaouMargin, double simam, double simamMargin) {
        List<org.descent.probe.Verdict> v = List.of(
                verdict(DualFormProbe.REC2FTP, rec2ftp, recMargin, DaiDualForm.MIN_REC2FTP, recLift),
                verdict(DualFormProbe.SIMAOU, simaou, simaouMargin, DaiDualForm.MIN_SIMAOU_OVER_RANDOM),
                verdict(DualFormProbe.SIMAM, simam, simamMargin, DaiDualForm.MIN_SIMAM_OVER_ZSL));
        return new ProbeResult(DualFormProbe.NAME, ProbeResult.Status.RAN, "", metrics(), v, null, List.of());
    }

    private static Headline head(List<Headline> h, String key) {
        return h.stream().filter(x -> x.key().equals(key)).findFirst().orElseThrow();
    }

    @Test
    void eachHeadlineTakesItsOwnCriterionAndThreshold() {
        // levels just below their thresholds, margins well above theirs: every level headline must be refused,
        // every margin headline supported (a swap of the two criteria flips both)
        ProbeResult alone = result(DaiDualForm.MIN_REC2FTP - 0.05, 0.6, DaiDualForm.MIN_SIMAOU_OVER_RANDOM - 0.05,
                0.4, 0.0, 0.0);
        ProbeResult withPair = result(0.0, 0.0, 0.0, 0.0, DaiDualForm.MIN_SIMAM_OVER_ZSL - 0.03, 0.3);
        List<Headline> h = DaiDualForm.headlines(List.of(new DaiDualForm.SeedResult(0L, null, alone, withPair)));
        assertEquals(DaiDualForm.MIN_REC2FTP - 0.05, head(h, "rec2ftp").interval().estimate(), EXACT);
        assertEquals(Verdict.NOT_SUPPORTED, head(h, "rec2ftp").verdict());
        assertEquals(0.6, head(h, "rec2ftp_over_control").interval().estimate(), EXACT);
        assertEquals(Verdict.SUPPORTED, head(h, "rec2ftp_over_control").verdict());
        assertEquals(Verdict.NOT_SUPPORTED, head(h, "simaou_over_random").verdict());
        assertEquals(0.4, head(h, "simaou_over_control").interval().estimate(), EXACT);
        assertEquals(Verdict.SUPPORTED, head(h, "simaou_over_control").verdict());
        assertEquals(DaiDualForm.MIN_SIMAM_OVER_ZSL - 0.03, head(h, "simam_over_zsl").interval().estimate(), EXACT);
        assertEquals(Verdict.NOT_SUPPORTED, head(h, "simam_over_zsl").verdict(), "SimAM is read with one pair");
        assertEquals(Verdict.SUPPORTED, head(h, "simam_over_control").verdict());
        assertEquals(0.5, head(h, "control.rec2ftp").interval().estimate(), EXACT);
        // and a margin just below MIN_CONTROL_MARGIN is refused while the level passes
        ProbeResult weakMargin = result(0.95, DaiDualForm.MIN_CONTROL_MARGIN - 0.03, 0.5, 0.5, 0.0, 0.0);
        List<Headline> w = DaiDualForm.headlines(List.of(new DaiDualForm.SeedResult(0L, null, weakMargin, withPair)));
        assertEquals(Verdict.SUPPORTED, head(w, "rec2ftp").verdict());
        assertEquals(Verdict.NOT_SUPPORTED, head(w, "rec2ftp_over_control").verdict());
        // (a) tests Rec2FTP against its base rate: a high Rec2FTP just above its base rate is refused there
        ProbeResult atBase = result(0.95, 0.6, DaiDualForm.MIN_REC2FTP_OVER_BASE_RATE - 0.03, 0.5, 0.5, 0.0, 0.0);
        List<Headline> b = DaiDualForm.headlines(List.of(new DaiDualForm.SeedResult(0L, null, atBase, withPair)));
        assertEquals("rec2ftp_over_base_rate", b.get(0).key(), "(a)'s tested difference comes first");
        assertEquals(DaiDualForm.MIN_REC2FTP_OVER_BASE_RATE - 0.03, head(b, "rec2ftp_over_base_rate").interval()
                .estimate(), EXACT);
        assertEquals(Verdict.NOT_SUPPORTED, head(b, "rec2ftp_over_base_rate").verdict(),
                "Rec2FTP no higher than ICL's accuracy where ZSL is wrong does not support (a)");
        assertEquals(Verdict.SUPPORTED, head(b, "rec2ftp").verdict(), "while Dai's level passes");
        assertEquals(0.85, head(b, "rec2ftp_base_rate").interval().estimate(), EXACT);
        assertEquals(null, head(b, "rec2ftp_base_rate").verdict(), "the base rate is context");
    }
}
