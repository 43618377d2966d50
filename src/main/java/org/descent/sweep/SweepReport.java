package org.descent.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.descent.compare.Bootstrap;
import org.descent.compare.SeedIntervals;
import org.descent.report.HeatMap;
import org.descent.report.Markdown;
import org.descent.report.Plots;
import org.descent.report.Report;
import org.descent.util.BuildInfo;
import org.descent.util.RunDirectory;

/**
 * The sweep report ({@code DIR/report/}: report.md, report.html, figures as PNG and SVG, metrics.json,
 * manifest.json): per metric, its mean over seeds against one axis with Student t 95% intervals, one line per value
 * of a second axis; heat maps over the two axes; which verdicts hold where; the failed and missing cells.
 */
public final class SweepReport {
    private static final int MAX_METRICS = 6;
    private static final int MAX_VERDICT_TABLES = 6;

    private SweepReport() {}

    /** A group of cells that differ only in the seed. */
    private record Group(Object x, String line, List<Map<String, Object>> rows) {}

    /** Writes the report into {@code DIR/report} (replacing an older one only once the new one is complete). */
    public static Path write(SweepDir sweep, ResultsTable table) {
        List<String> axes = sweep.axes();
        JsonNode rs = sweep.plan().path("report");
        String x = rs.hasNonNull("x") ? rs.get("x").asText() : axes.isEmpty() ? null : axes.get(0);
        String lines = rs.hasNonNull("lines") ? rs.get("lines").asText()
                : axes.stream().filter(a -> !a.equals(x)).findFirst().orElse(null);
        List<String> others = axes.stream().filter(a -> !a.equals(x) && !a.equals(lines)).toList();
        List<Map<String, Object>> rows = table.rows();
        List<String> metrics = new ArrayList<>();
        rs.path("metrics").forEach(m -> {
            String c = m.asText().startsWith("metric.") ? m.asText() : "metric." + m.asText();
            if (!table.columns().contains(c)) {
                throw new IllegalArgumentException("report: no metric \"" + m.asText() + "\" in the results (metrics: "
                        + table.columns().stream().filter(k -> k.startsWith("metric.") && !k.endsWith(".lower")
                                && !k.endsWith(".upper") && !k.endsWith(".outcome")).toList() + ")");
            }
            metrics.add(c);
        });
        if (metrics.isEmpty()) {
            metrics.addAll(defaultMetrics(table));
        }

        // groups: x value × line label (the second axis and any others), each with its seeds
        List<Object> xs = new ArrayList<>();
        List<String> lineLabels = new ArrayList<>();
        Map<String, Group> groups = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            Object xv = x == null ? "all" : r.get(x);
            String lv = lineLabel(r, lines, others);
            if (!xs.contains(xv)) {
                xs.add(xv);
            }
            if (!lineLabels.contains(lv)) {
                lineLabels.add(lv);
            }
            groups.computeIfAbsent(xv + "\u0000" + lv, k -> new Group(xv, lv, new ArrayList<>())).rows().add(r);
        }
        boolean numericX = xs.stream().allMatch(v -> v instanceof Number);
        double[] xPos = new double[xs.size()];
        for (int i = 0; i < xs.size(); i++) {
            xPos[i] = numericX ? ((Number) xs.get(i)).doubleValue() : i;
        }

        long ok = rows.stream().filter(r -> "ok".equals(r.get("status"))).count();
        long failed = rows.stream().filter(r -> "failed".equals(r.get("status"))).count();
        long missing = rows.size() - ok - failed;
        Report report = new Report().title("descent sweep " + sweep.name());
        report.paragraph(String.format(Locale.ROOT, "%d cells of `descent %s` (%d axis value combinations × seeds): "
                + "**%d ok**, %d failed, %d missing. Axes: %s. Each point is the mean over the seeds of one axis "
                + "combination with its Student t 95%% interval over those seeds (none with one seed); failed and "
                + "missing cells are left out of the means and listed at the end.", rows.size(), sweep.command(),
                groups.size(), ok, failed, missing, axes.isEmpty() ? "none" : Markdown.code(String.join(", ", axes))));
        report.paragraph("Table: `results.csv` and `results.feather` (`pandas.read_feather`) beside this folder, one "
                + "row per cell; folder " + Markdown.code(sweep.dir().toAbsolutePath().normalize().toString()) + ".");

        Map<String, Object> aggregates = new LinkedHashMap<>();
        int fig = 0;
        for (String m : metrics) {
            String label = m.substring("metric.".length());
            report.section(label);
            List<Plots.Curve> curves = new ArrayList<>();
            List<double[]> halves = new ArrayList<>();
            double[][] heat = new double[lineLabels.size()][xs.size()];
            List<List<String>> tableRows = new ArrayList<>();
            for (int li = 0; li < lineLabels.size(); li++) {
                double[] y = new double[xs.size()];
                double[] h = new double[xs.size()];
                for (int xi = 0; xi < xs.size(); xi++) {
                    Group g = groups.get(xs.get(xi) + "\u0000" + lineLabels.get(li));
                    Stat st = g == null ? Stat.NONE : stat(g.rows(), m);
                    y[xi] = st.mean();
                    h[xi] = st.half();
                    heat[li][xi] = st.mean();
                    if (g != null) {
                        tableRows.add(List.of(lineLabels.get(li), String.valueOf(xs.get(xi)), Integer.toString(st.n()),
                                Report.num(st.mean()), st.n() >= 2 ? "[" + Report.num(st.mean() - st.half()) + ", "
                                        + Report.num(st.mean() + st.half()) + "]" : "—"));
                        Map<String, Object> a = new LinkedHashMap<>();
                        a.put("metric", label);
                        a.put("x", xs.get(xi));
                        a.put("line", lineLabels.get(li));
                        a.put("seeds", st.n());
                        a.put("mean", Double.isFinite(st.mean()) ? st.mean() : null);
                        a.put("lower", st.n() >= 2 && Double.isFinite(st.half()) ? st.mean() - st.half() : null);
                        a.put("upper", st.n() >= 2 && Double.isFinite(st.half()) ? st.mean() + st.half() : null);
                        aggregates.put(label + "|" + xs.get(xi) + "|" + lineLabels.get(li), a);
                    }
                }
                curves.add(new Plots.Curve(lineLabels.get(li), xPos, y));
                halves.add(h);
            }
            String xTitle = x == null ? "" : numericX ? x : x + " (" + xs + ")";
            report.figure(String.format(Locale.ROOT, "fig%02d-%s", ++fig, slug(label)), label + " against "
                    + (x == null ? "nothing" : x) + (lines == null ? "" : ", one line per " + lines)
                    + ": mean over seeds, bars = Student t 95% interval over seeds",
                    Plots.curvesWithErrorBars(label + " vs " + (x == null ? "" : x), xTitle, label, curves, halves));
            if (lines != null && xs.size() >= 1 && lineLabels.size() >= 1) {
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                for (double[] row : heat) {
                    for (double v : row) {
                        if (Double.isFinite(v)) {
                            lo = Math.min(lo, v);
                            hi = Math.max(hi, v);
                        }
                    }
                }
                HeatMap.Scale scale = lo < hi ? new HeatMap.Scale(lo, hi) : lo == hi && Double.isFinite(lo)
                        ? new HeatMap.Scale(lo - Math.max(1e-12, Math.abs(lo) * 0.01), hi + Math.max(1e-12,
                                Math.abs(hi) * 0.01)) : null;
                List<String> colLabels = xs.stream().map(String::valueOf).toList();
                report.figure(String.format(Locale.ROOT, "fig%02d-%s-heat", ++fig, slug(label)), label
                        + ": mean over seeds" + (others.isEmpty() ? "" : " (rows combine " + others + ")"),
                        new HeatMap(label, heat, scale, new HeatMap.Labels(lineLabel(lines, others), lineLabels,
                                x, colLabels)).figure());
            }
            report.table(List.of(lineLabel(lines, others), x == null ? "x" : x, "seeds", "mean", "95% interval (seeds)"),
                    tableRows);
        }

        // verdicts: the majority outcome per group, and which hypotheses hold where
        List<String> verdictCols = table.columns().stream().filter(c -> c.equals("verdict") || c.startsWith("verdict."))
                .limit(MAX_VERDICT_TABLES).toList();
        if (!verdictCols.isEmpty()) {
            report.section("Verdicts");
            report.paragraph("Each cell gives the most frequent outcome over the seeds of that combination and how many "
                    + "seeds had it (of those that finished).");
            for (String vc : verdictCols) {
                report.paragraph("**" + Markdown.text(vc) + "**");
                report.table(header(lines, others, x, xs), grid(groups, xs, lineLabels, g -> majority(g.rows(), vc)));
            }
            List<String> hyp = table.columns().stream().filter(c -> c.startsWith("verdict.")).toList();
            if (hyp.size() >= 2) {
                report.paragraph("**Which hypotheses hold where** (majority verdict consistent or supported)");
                report.table(header(lines, others, x, xs), grid(groups, xs, lineLabels, g -> {
                    List<String> hold = new ArrayList<>();
                    for (String h : hyp) {
                        String maj = majority(g.rows(), h);
                        if (maj.startsWith("consistent") || maj.startsWith("supported") || maj.startsWith("pass")) {
                            hold.add(h.substring("verdict.".length()).replaceFirst("^hypotheses\\.", ""));
                        }
                    }
                    return hold.isEmpty() ? "none" : String.join(", ", hold);
                }));
            }
        }

        List<List<String>> bad = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            if (!"ok".equals(r.get("status"))) {
                bad.add(List.of(String.valueOf(r.get("cell_id")), String.valueOf(r.get("status")),
                        sweep.cell(((Number) r.get("cell")).intValue()).path("label").asText(),
                        String.valueOf(r.get("error"))));
            }
        }
        report.section("Failed and missing cells");
        if (bad.isEmpty()) {
            report.paragraph("None: every cell finished.");
        } else {
            report.paragraph("`descent sweep run` again re-runs these (finished cells are kept).");
            report.table(List.of("cell", "status", "axes and seed", "error"), bad);
        }
        report.reproduce(null, "Every number above comes from the cells' own `metrics.json`, gathered in "
                + "`results.csv`; each cell's folder holds its report and manifest.");

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schema_version", org.descent.util.Schema.VERSION);
        manifest.put("kind", "sweep");
        manifest.put("name", sweep.name());
        manifest.put("sweep_dir", sweep.dir().toAbsolutePath().normalize().toString());
        manifest.put("plan_sha256", sweep.plan().path("plan_sha256").asText());
        manifest.put("created", Instant.now().toString());
        manifest.put("descent_version", BuildInfo.version());
        manifest.put("git_commit", BuildInfo.commit() + (BuildInfo.dirty() ? "-dirty" : ""));
        manifest.put("cells", Map.of("total", rows.size(), "ok", ok, "failed", failed, "missing", missing));
        Map<String, Object> metricsJson = new LinkedHashMap<>();
        metricsJson.put("schema_version", org.descent.util.Schema.VERSION);
        metricsJson.put("kind", "sweep");
        metricsJson.put("aggregates", new ArrayList<>(aggregates.values()));
        return publish(sweep.dir(), report, manifest, metricsJson, sweep.name());
    }

    private static Path publish(Path dir, Report report, Map<String, Object> manifest, Map<String, Object> metrics,
            String name) {
        Path next = dir.resolve("report-next");
        CellRunner.deleteTree(next);
        RunDirectory.cleanStale(dir);
        RunDirectory rd = RunDirectory.named(dir, "report-next");
        try {
            report.writeTo(rd, "descent sweep " + name, metrics, manifest);
            rd.publish();
        } finally {
            rd.discard();
        }
        Path target = dir.resolve("report");
        try {
            if (Files.exists(target)) {
                Path old = dir.resolve(".report-old-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                CellRunner.deleteTree(old);
            }
            Files.move(next, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + target + ": " + e.getMessage(), e);
        }
        return target;
    }

    private static List<String> header(String lines, List<String> others, String x, List<Object> xs) {
        List<String> h = new ArrayList<>();
        h.add(lineLabel(lines, others) + " \\ " + (x == null ? "" : x));
        xs.forEach(v -> h.add(String.valueOf(v)));
        return h;
    }

    private static List<List<String>> grid(Map<String, Group> groups, List<Object> xs, List<String> lineLabels,
            java.util.function.Function<Group, String> f) {
        List<List<String>> out = new ArrayList<>();
        for (String l : lineLabels) {
            List<String> row = new ArrayList<>();
            row.add(l);
            for (Object xv : xs) {
                Group g = groups.get(xv + "\u0000" + l);
                row.add(g == null ? "—" : f.apply(g));
            }
            out.add(row);
        }
        return out;
    }

    private static String majority(List<Map<String, Object>> rows, String col) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        int n = 0;
        for (Map<String, Object> r : rows) {
            Object v = r.get(col);
            if ("ok".equals(r.get("status")) && v != null) {
                counts.merge(String.valueOf(v), 1, Integer::sum);
                n++;
            }
        }
        if (n == 0) {
            return "—";
        }
        Map.Entry<String, Integer> best = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        return best.getKey() + " " + best.getValue() + "/" + n;
    }

    private record Stat(int n, double mean, double half) {
        static final Stat NONE = new Stat(0, Double.NaN, Double.NaN);
    }

    private static Stat stat(List<Map<String, Object>> rows, String col) {
        List<Double> v = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Object o = r.get(col);
            if ("ok".equals(r.get("status")) && o instanceof Number num && Double.isFinite(num.doubleValue())) {
                v.add(num.doubleValue());
            }
        }
        if (v.isEmpty()) {
            return Stat.NONE;
        }
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        if (a.length == 1) {
            return new Stat(1, a[0], Double.NaN);
        }
        Bootstrap.Interval iv = SeedIntervals.studentT(a);
        return new Stat(a.length, iv.estimate(), (iv.upper() - iv.lower()) / 2);
    }

    private static String lineLabel(Map<String, Object> r, String lines, List<String> others) {
        List<String> parts = new ArrayList<>();
        if (lines != null) {
            parts.add(lines + "=" + r.get(lines));
        }
        for (String o : others) {
            parts.add(o + "=" + r.get(o));
        }
        return parts.isEmpty() ? "all" : String.join(" ", parts);
    }

    private static String lineLabel(String lines, List<String> others) {
        List<String> parts = new ArrayList<>();
        if (lines != null) {
            parts.add(lines);
        }
        parts.addAll(others);
        return parts.isEmpty() ? "cells" : String.join(", ", parts);
    }

    /** Tested metrics (those with an outcome), then the rest, at most {@value #MAX_METRICS}. */
    static List<String> defaultMetrics(ResultsTable table) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String c : table.columns()) {
            if (c.startsWith("metric.") && c.endsWith(".outcome")) {
                out.add(c.substring(0, c.length() - ".outcome".length()));
            }
        }
        for (String c : table.columns()) {
            int k = table.columns().indexOf(c);
            if (c.startsWith("metric.") && !c.endsWith(".lower") && !c.endsWith(".upper") && !c.endsWith(".outcome")
                    && table.types().get(k) == ResultsTable.Type.DOUBLE) {
                out.add(c);
            }
        }
        return out.stream().filter(Objects::nonNull).limit(MAX_METRICS).toList();
    }

    private static String slug(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }
}
