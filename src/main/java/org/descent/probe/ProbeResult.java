package org.descent.probe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one probe found: flat metrics (written to metrics.json), verdicts per hypothesis, the reference that explains
 * the model best (when the probe compares references), and report content (tables, figures, paragraphs).
 *
 * @param probe the probe's name
 * @param status whether it ran, was skipped (a capability is missing) or failed
 * @param note why it was skipped or failed, or a short remark; never null
 * @param metrics JSON-serialisable values (numbers, strings, lists, nested maps; matrices as lists of rows)
 * @param verdicts at most one verdict per hypothesis
 * @param bestReference the name of the best-explaining reference algorithm, or null
 * @param content report blocks in order
 */
public record ProbeResult(String probe, Status status, String note, Map<String, Object> metrics,
        List<Verdict> verdicts, String bestReference, List<ReportItem> content) {

    public ProbeResult {
        if (probe == null || status == null) {
            throw new IllegalArgumentException("probe result: probe name and status are required");
        }
        note = note == null ? "" : note;
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        verdicts = List.copyOf(verdicts);
        content = List.copyOf(content);
        long distinct = verdicts.stream().map(Verdict::hypothesis).distinct().count();
        if (distinct != verdicts.size()) {
            throw new IllegalArgumentException("probe " + probe + ": more than one verdict on the same hypothesis");
        }
    }

    /** Whether the probe ran, was skipped, or failed. */
    public enum Status {
        RAN("ran"), SKIPPED("skipped"), FAILED("failed");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        @com.fasterxml.jackson.annotation.JsonValue
        public String label() {
            return label;
        }
    }

    /** A probe that could not run on this model (e.g. no hidden states exposed). */
    public static ProbeResult skipped(String probe, String reason) {
        return new ProbeResult(probe, Status.SKIPPED, reason, Map.of(), List.of(), null, List.of());
    }

    /** A probe that threw. */
    public static ProbeResult failed(String probe, String message) {
        return new ProbeResult(probe, Status.FAILED, message, Map.of(), List.of(), null, List.of());
    }

    /** The verdict map hypothesis → outcome. */
    public Map<String, Outcome> verdictMap() {
        Map<String, Outcome> out = new LinkedHashMap<>();
        verdicts.forEach(v -> out.put(v.hypothesis(), v.outcome()));
        return out;
    }

    /** A block of report content. */
    public sealed interface ReportItem permits Paragraph, Table, Figure {}

    /**
     * A paragraph of Markdown text: bold ({@code **…**}) and code spans work; underscores and single asterisks are
     * shown as typed (math such as {@code Γ_fit}, {@code η*I}), and HTML is shown as text.
     */
    public record Paragraph(String text) implements ReportItem {}

    /** A table with a title (may be empty), a header and rows of the same width. */
    public record Table(String title, List<String> header, List<List<String>> rows) implements ReportItem {
        public Table {
            header = List.copyOf(header);
            rows = rows.stream().map(List::copyOf).toList();
            for (List<String> r : rows) {
                if (r.size() != header.size()) {
                    throw new IllegalArgumentException("table \"" + title + "\": a row has " + r.size()
                            + " cells for " + header.size() + " columns");
                }
            }
        }
    }

    /**
     * A figure as PNG and, when it was drawn with {@link org.descent.report.Plots}, SVG (else null); {@code name}
     * becomes part of a file name (letters, digits, dashes).
     */
    public record Figure(String name, String caption, byte[] png, byte[] svg) implements ReportItem {
        public Figure {
            if (name == null || !name.matches("[A-Za-z0-9-]+")) {
                throw new IllegalArgumentException("figure names are letters, digits and dashes, got \"" + name + "\"");
            }
        }

        /** A PNG-only figure. */
        public Figure(String name, String caption, byte[] png) {
            this(name, caption, png, null);
        }
    }

    /** Starts a result of a probe that ran. */
    public static Builder builder(String probe) {
        return new Builder(probe);
    }

    /** Collects a result step by step; {@link #build()} validates it. */
    public static final class Builder {
        private final String probe;
        private final Map<String, Object> metrics = new LinkedHashMap<>();
        private final List<Verdict> verdicts = new ArrayList<>();
        private final List<ReportItem> content = new ArrayList<>();
        private String note = "";
        private String bestReference;

        private Builder(String probe) {
            this.probe = probe;
        }

        public Builder metric(String key, Object value) {
            metrics.put(key, value);
            return this;
        }

        public Builder metrics(Map<String, ?> values) {
            metrics.putAll(values);
            return this;
        }

        public Builder verdict(Verdict verdict) {
            verdicts.add(verdict);
            return this;
        }

        public Builder note(String text) {
            this.note = text;
            return this;
        }

        public Builder bestReference(String name) {
            this.bestReference = name;
            return this;
        }

        public Builder paragraph(String text) {
            content.add(new Paragraph(text));
            return this;
        }

        public Builder table(String title, List<String> header, List<List<String>> rows) {
            content.add(new Table(title, header, rows));
            return this;
        }

        public Builder figure(String name, String caption, byte[] png) {
            content.add(new Figure(name, caption, png));
            return this;
        }

        /** A figure drawn with {@link org.descent.report.Plots}: kept as PNG and SVG. */
        public Builder figure(String name, String caption, org.descent.report.Figure figure) {
            content.add(new Figure(name, caption, figure.png(), figure.svg()));
            return this;
        }

        public ProbeResult build() {
            return new ProbeResult(probe, Status.RAN, note, metrics, verdicts, bestReference, content);
        }
    }
}
