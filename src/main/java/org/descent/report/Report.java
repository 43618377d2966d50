package org.descent.report;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.util.RunDirectory;

/**
 * A comparison report under construction: Markdown text plus figures. {@link #writeTo} writes {@code report.md}
 * (figures as PNG files beside it), a self-contained {@code report.html} (figures inlined), {@code metrics.json}
 * and {@code manifest.json}.
 */
public final class Report {
    private final StringBuilder md = new StringBuilder();
    private final Map<String, byte[]> figures = new LinkedHashMap<>();

    public Report title(String text) {
        md.append("# ").append(text).append("\n\n");
        return this;
    }

    public Report section(String text) {
        md.append("## ").append(text).append("\n\n");
        return this;
    }

    public Report paragraph(String text) {
        md.append(text).append("\n\n");
        return this;
    }

    /** A Markdown table; cells are escaped for pipes. */
    public Report table(List<String> header, List<List<String>> rows) {
        md.append('|');
        header.forEach(h -> md.append(' ').append(escape(h)).append(" |"));
        md.append("\n|");
        header.forEach(h -> md.append("---|"));
        md.append('\n');
        for (List<String> row : rows) {
            md.append('|');
            row.forEach(c -> md.append(' ').append(escape(c)).append(" |"));
            md.append('\n');
        }
        md.append('\n');
        return this;
    }

    /** A PNG figure saved as {@code <name>.png} and shown inline. */
    public Report figure(String name, String caption, byte[] png) {
        figures.put(name + ".png", png);
        md.append("![").append(caption).append("](").append(name).append(".png)\n\n");
        return this;
    }

    public String markdown() {
        return md.toString();
    }

    /** A number in a compact, table-friendly form. */
    public static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return String.format(Locale.ROOT, "%.5f", v);
    }

    private static String escape(String s) {
        return s.replace("|", "\\|");
    }

    /** Renders the Markdown to HTML with figures inlined as data URIs. */
    public String html(String title) {
        String text = md.toString();
        for (Map.Entry<String, byte[]> f : figures.entrySet()) {
            text = text.replace("](" + f.getKey() + ")",
                    "](data:image/png;base64," + Base64.getEncoder().encodeToString(f.getValue()) + ")");
        }
        List<Extension> ext = List.of(TablesExtension.create());
        String body = HtmlRenderer.builder().extensions(ext).build()
                .render(Parser.builder().extensions(ext).build().parse(text));
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title.replace("<", "&lt;")
                + "</title>\n<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;"
                + "color:#222}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;"
                + "text-align:left}th{background:#f4f4f4}img{max-width:100%}code{background:#f4f4f4;padding:0 .2em}"
                + "</style></head><body>\n" + body + "</body></html>\n";
    }

    /** Writes the report files into the staging folder of {@code dir} (publishing is the caller's step). */
    public void writeTo(RunDirectory dir, String title, Map<String, Object> metrics, Map<String, Object> manifest) {
        for (Map.Entry<String, byte[]> f : figures.entrySet()) {
            AtomicFiles.write(dir.file(f.getKey()), out -> out.write(f.getValue()));
        }
        AtomicFiles.writeString(dir.file("report.md"), md.toString());
        AtomicFiles.write(dir.file("report.html"), out -> out.write(html(title).getBytes(StandardCharsets.UTF_8)));
        AtomicFiles.writeString(dir.file("metrics.json"), Json.write(metrics));
        AtomicFiles.writeString(dir.file("manifest.json"), Json.write(manifest));
    }
}
