package org.descent.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.compare.CoverageStudy;
import org.descent.probe.PromptBootstrap;

/** The coverage study of {@code descent calibrate}: simulated coverage of the interval methods descent uses. */
final class CoverageSection {
    private final CoverageStudy.Result result;

    private CoverageSection(CoverageStudy.Result result) {
        this.result = result;
    }

    /** Runs the study: the probes' prompt bootstrap and the Student-t seed intervals. */
    static CoverageSection run(boolean fast) {
        CoverageStudy.Settings settings = fast ? CoverageStudy.Settings.fast() : CoverageStudy.Settings.full();
        PromptBootstrap pb = new PromptBootstrap(settings.resamples(), 0.95, settings.seed());
        return new CoverageSection(CoverageStudy.run(settings, new CoverageStudy.PromptIntervals(pb::mean,
                pb::ratio)));
    }

    /**
     * Calibrated: every gated prompt-level method in its band; a seed count whose interval misses its band is
     * acceptable only because claims at that S answer inconclusive (the study lists them).
     */
    boolean ok() {
        return result.promptIntervalsCalibrated();
    }

    Map<String, Object> json() {
        return result.toJson();
    }

    /** The study as console text: the rows of {@link #rows} and what they mean for claims over seeds. */
    @SuppressWarnings("unchecked")
    static String text(Object json) {
        StringBuilder sb = new StringBuilder("interval coverage (target 92.5–97.5%):\n");
        for (List<String> r : rows(json)) {
            sb.append(String.format(Locale.ROOT, "  %-44s %-34s %-9s %6s ± %-5s %s%n", r.get(0), r.get(1), r.get(2),
                    r.get(4), r.get(5), r.get(6).equals("yes") ? "" : r.get(6).equals("NO") ? "OUT OF BAND"
                            : "(" + r.get(6) + ")"));
        }
        List<Object> inconclusive = (List<Object>) ((Map<String, Object>) json).get("inconclusive_seed_counts");
        sb.append(inconclusive.isEmpty() ? "  seed-level intervals calibrated for S = 2, 3, 5, 10\n"
                : "  S = " + inconclusive + ": claims answer inconclusive (interval not calibrated)\n");
        return sb.toString();
    }

    /** Header of {@link #rows}. */
    static final List<String> HEADER = List.of("method", "distribution", "S or B", "repetitions", "coverage",
            "± s.e.", "in band");

    /** The study as table rows for the report. */
    @SuppressWarnings("unchecked")
    static List<List<String>> rows(Object json) {
        Map<String, Object> m = (Map<String, Object>) json;
        List<List<String>> out = new java.util.ArrayList<>();
        for (Object o : (List<Object>) m.get("rows")) {
            Map<String, Object> r = (Map<String, Object>) o;
            int seeds = ((Number) r.get("seeds")).intValue();
            out.add(List.of(String.valueOf(r.get("method")), String.valueOf(r.get("distribution")),
                    seeds > 1 ? "S = " + seeds : "B = " + r.get("prompts"), String.valueOf(r.get("repetitions")),
                    String.format(Locale.ROOT, "%.1f%%", 100 * ((Number) r.get("coverage")).doubleValue()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * ((Number) r.get("standard_error")).doubleValue()),
                    Boolean.TRUE.equals(r.get("gated")) ? (Boolean.TRUE.equals(r.get("within_target")) ? "yes" : "NO")
                            : "stress case, not gated"));
        }
        return out;
    }
}
