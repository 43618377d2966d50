package org.descent.probe.calibration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.descent.probe.Hypotheses;
import org.descent.probe.Outcome;
import org.descent.probe.calibration.CalibrationCase.Expect;

/** Text, tables and JSON of a calibration {@link Calibration.Result}. */
public final class CalibrationReport {
    private CalibrationReport() {}

    /** Short column names of the hypotheses, in {@link Hypotheses#ALL} order. */
    static final List<String> SHORT = List.of("1-GD", "1-GD*", "PGD", "K-GD", "GD++", "Newton", "ridge", "OLS",
            "order");

    /**
     * One cell: the verdict got, marked when wrong: {@code C}/{@code I}/{@code ?} (consistent, inconsistent,
     * inconclusive), lower-case when the expectation was "either", with {@code !} after a false verdict and
     * {@code ~} after an inconclusive where a definite one was expected.
     */
    static String cell(Calibration.CaseResult r, String h) {
        Outcome o = r.got().get(h);
        Expect e = r.calibrationCase().expected().get(h);
        String s = switch (o) {
            case CONSISTENT -> "C";
            case INCONSISTENT -> "I";
            case INCONCLUSIVE -> "?";
        };
        if (e == Expect.EITHER) {
            s = s.toLowerCase(Locale.ROOT);
        }
        String exp = switch (e) {
            case CONSISTENT -> "C";
            case INCONSISTENT -> "I";
            case EITHER -> "·";
        };
        String mark = r.falseConsistent(h) || r.falseInconsistent(h) ? "!" : r.inconclusive(h) ? "~" : "";
        return exp + "→" + s + mark;
    }

    /** The confusion table as rows: model, then expected→got per hypothesis. */
    public static List<List<String>> rows(Calibration.Result result) {
        List<List<String>> rows = new ArrayList<>();
        for (Calibration.CaseResult r : result.cases()) {
            List<String> row = new ArrayList<>();
            row.add(r.calibrationCase().name() + (r.calibrationCase().isBorderline() ? " (borderline)" : ""));
            for (String h : Hypotheses.ALL) {
                row.add(cell(r, h));
            }
            row.add(r.best() == null ? "—" : r.best());
            rows.add(row);
        }
        return rows;
    }

    /** Header of {@link #rows}. */
    public static List<String> header() {
        List<String> h = new ArrayList<>();
        h.add("model");
        h.addAll(SHORT);
        h.add("best-explaining");
        return h;
    }

    /** A plain-text confusion table with the counts and the reasons of every wrong cell. */
    public static String confusionText(Calibration.Result result) {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-28s" + " %-8s".repeat(SHORT.size()) + "  %s%n";
        sb.append(String.format(Locale.ROOT, fmt, header().toArray()));
        for (List<String> row : rows(result)) {
            sb.append(String.format(Locale.ROOT, fmt, row.toArray()));
        }
        sb.append(String.format(Locale.ROOT, "expected→got (C consistent, I inconsistent, ? inconclusive, · either; "
                + "! false verdict, ~ inconclusive where not allowed)%n"));
        sb.append(String.format(Locale.ROOT, "false_consistent %d, false_inconsistent %d, inconclusive %d (on "
                + "borderline cases: %d)%n", result.falseConsistent(), result.falseInconsistent(),
                result.inconclusive(), result.inconclusiveBorderline()));
        for (Calibration.CaseResult r : result.cases()) {
            for (String h : Hypotheses.ALL) {
                if (r.falseConsistent(h) || r.falseInconsistent(h) || r.inconclusive(h)) {
                    sb.append(String.format(Locale.ROOT, "  %s / %s: %s%n", r.calibrationCase().name(), h,
                            r.reasons().get(h)));
                }
            }
        }
        return sb.toString();
    }

    /** The machine-readable summary (for {@code descent calibrate --json} and metrics.json). */
    public static Map<String, Object> json(Calibration.Result result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("false_consistent", result.falseConsistent());
        m.put("false_inconsistent", result.falseInconsistent());
        m.put("inconclusive", result.inconclusive());
        m.put("inconclusive_borderline", result.inconclusiveBorderline());
        m.put("passed", result.passed());
        List<Object> cases = new ArrayList<>();
        for (Calibration.CaseResult r : result.cases()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("model", r.calibrationCase().name());
            c.put("description", r.calibrationCase().description());
            c.put("borderline", r.calibrationCase().borderline());
            c.put("test_prompts", r.calibrationCase().testPrompts());
            c.put("expected", r.calibrationCase().expected());
            c.put("got", r.got());
            c.put("reasons", r.reasons());
            c.put("best_explaining", r.best());
            c.put("seconds", r.seconds());
            cases.add(c);
        }
        m.put("cases", cases);
        return m;
    }
}
