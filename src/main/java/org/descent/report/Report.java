package org.descent.report;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TableCell;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Code;
import org.commonmark.node.Image;
import org.commonmark.node.Node;
import org.commonmark.node.StrongEmphasis;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.AttributeProvider;
import org.commonmark.renderer.html.HtmlRenderer;
import org.descent.util.AtomicFiles;
import org.descent.util.Json;
import org.descent.util.RunDirectory;

/**
 * A comparison report under construction: Markdown text plus figures. {@link #writeTo} writes {@code report.md}
 * (figures as PNG and SVG files beside it), a self-contained {@code report.html} (figures inlined as PNG),
 * {@code metrics.json} and {@code manifest.json}.
 *
 * <p>Text is CommonMark with GitHub tables. {@link #paragraph} takes authored Markdown: data inside it (names,
 * notes, paths) goes through {@link Markdown#text} or {@link Markdown#code}. Table cells and figure captions are
 * plain text, escaped here. The HTML renderer escapes any raw HTML, so nothing in a report can become an element.
 * Verdict words (pass, FAIL, consistent, supported, inconclusive, …) in table cells and in bold text are coloured in
 * the HTML: green, red, amber.
 */
public final class Report {
    private final StringBuilder md = new StringBuilder();
    private final Map<String, Rendered> figures = new LinkedHashMap<>();
    private boolean literalMath;

    /** A figure's files: PNG (always), SVG (null for a PNG handed in by a drop-in probe), display width. */
    private record Rendered(byte[] png, byte[] svg, int width) {}

    public Report title(String text) {
        md.append("# ").append(Markdown.text(text)).append("\n\n");
        return this;
    }

    public Report section(String text) {
        md.append("## ").append(Markdown.text(text)).append("\n\n");
        return this;
    }

    /** A paragraph of authored Markdown; wrap data in {@link Markdown#text} or {@link Markdown#code}. */
    public Report paragraph(String markdown) {
        md.append((literalMath ? Markdown.mathSafe(markdown) : markdown).strip()).append("\n\n");
        return this;
    }

    /**
     * From now on, paragraphs keep underscores and single asterisks literal ({@link Markdown#mathSafe}): for text
     * full of formulas ({@code ‖Γ_eff − η*I‖_F}, {@code min_α}) whose only Markdown is bold and code.
     */
    public Report literalMath(boolean on) {
        this.literalMath = on;
        return this;
    }

    /** A paragraph of plain text (a probe's note, a description from data), rendered literally. */
    public Report text(String plain) {
        md.append(Markdown.paragraph(plain)).append("\n\n");
        return this;
    }

    /** A Markdown table of plain-text cells: everything in them renders literally. */
    public Report table(List<String> header, List<List<String>> rows) {
        md.append('|');
        header.forEach(h -> md.append(' ').append(Markdown.cell(h)).append(" |"));
        md.append("\n|");
        header.forEach(h -> md.append("---|"));
        md.append('\n');
        for (List<String> row : rows) {
            md.append('|');
            row.forEach(c -> md.append(' ').append(Markdown.cell(c)).append(" |"));
            md.append('\n');
        }
        md.append('\n');
        return this;
    }

    /**
     * A figure saved as {@code <name>.png} and {@code <name>.svg} beside the report, shown inline (PNG) with its
     * caption and a link to the SVG.
     */
    public Report figure(String name, String caption, Figure figure) {
        return figure(name, caption, new Rendered(figure.png(), figure.svg(), figure.width()));
    }

    /** A PNG-only figure (from a drop-in probe that drew its own), saved as {@code <name>.png}. */
    public Report figure(String name, String caption, byte[] png) {
        return figure(name, caption, new Rendered(png, null, 0));
    }

    /**
     * A figure handed over as files: PNG, and SVG when it was drawn with {@link Plots} (then the PNG is at
     * {@link Figure#PNG_SCALE}× and shown at its nominal width), else null.
     */
    public Report figure(String name, String caption, byte[] png, byte[] svg) {
        return figure(name, caption, new Rendered(png, svg, svg == null ? 0 : pngWidth(png) / Figure.PNG_SCALE));
    }

    /** The width in the IHDR chunk of a PNG, or 0 when the bytes are not a PNG. */
    static int pngWidth(byte[] png) {
        if (png == null || png.length < 24 || (png[0] & 0xff) != 0x89 || png[1] != 'P' || png[2] != 'N'
                || png[3] != 'G') {
            return 0;
        }
        return ((png[16] & 0xff) << 24) | ((png[17] & 0xff) << 16) | ((png[18] & 0xff) << 8) | (png[19] & 0xff);
    }

    private Report figure(String name, String caption, Rendered r) {
        if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("figure names are letters, digits, dashes and underscores, got \""
                    + name + "\"");
        }
        String unique = name;
        for (int k = 2; figures.containsKey(unique + ".png"); k++) {
            unique = name + "-" + k; // two figures of one name (a probe's) keep both files
        }
        name = unique;
        figures.put(name + ".png", r);
        md.append("![").append(Markdown.cell(caption)).append("](").append(name).append(".png)\n\n");
        md.append("*Figure: ").append(Markdown.cell(caption)).append(".*");
        if (r.svg() != null) {
            md.append(" Vector version: [").append(name).append(".svg](").append(name).append(".svg)");
        }
        md.append("\n\n");
        return this;
    }

    /**
     * A paragraph with the command that reproduces this report, as it was typed ({@link Invocation}); without one
     * (the report was built through the Java API) {@code equivalent} is shown as the equivalent command, or a note
     * when that is null too.
     */
    public Report command(String equivalent) {
        md.append(commandBlock(equivalent)).append("\n\n");
        return this;
    }

    /** The "Reproduce" section: the command line as a code block, then {@code notes} (authored Markdown). */
    public Report reproduce(String equivalent, String notes) {
        section("Reproduce");
        command(equivalent);
        if (notes != null && !notes.isBlank()) {
            paragraph(notes);
        }
        return this;
    }

    private static String commandBlock(String equivalent) {
        java.util.Optional<String> typed = Invocation.commandLine();
        if (typed.isPresent()) {
            return "Reproduce with (from the repository root):\n\n" + Markdown.codeBlock(typed.get());
        }
        if (equivalent != null) {
            return "Built through the Java API, not the command line; the equivalent command is:\n\n"
                    + Markdown.codeBlock(equivalent);
        }
        return "Built through the Java API, not the command line: no command line to reproduce it with.";
    }

    public String markdown() {
        return md.toString();
    }

    /** The names of the files {@link #writeTo} writes for figures ({@code x.png}, {@code x.svg}). */
    public List<String> figureFiles() {
        List<String> out = new java.util.ArrayList<>();
        figures.forEach((png, r) -> {
            out.add(png);
            if (r.svg() != null) {
                out.add(svgName(png));
            }
        });
        return out;
    }

    private static String svgName(String png) {
        return png.substring(0, png.length() - ".png".length()) + ".svg";
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

    /** How a verdict word reads: good (green), bad (red), open (amber), or null when the text is no verdict. */
    enum Tone {
        GOOD, BAD, OPEN;

        String cssClass() {
            return "v-" + name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Map<String, Tone> VERDICT_WORDS = Map.ofEntries(
            Map.entry("pass", Tone.GOOD), Map.entry("consistent", Tone.GOOD), Map.entry("supported", Tone.GOOD),
            Map.entry("fail", Tone.BAD), Map.entry("failed", Tone.BAD), Map.entry("inconsistent", Tone.BAD),
            Map.entry("not supported", Tone.BAD), Map.entry("not consistent", Tone.BAD),
            Map.entry("inconclusive", Tone.OPEN), Map.entry("unclear", Tone.OPEN));
    /** A calibration cell expected→got: {@code !} a false verdict, {@code ~} inconclusive where not allowed. */
    private static final Pattern CALIBRATION_CELL = Pattern.compile("[CI·]→[CIci?]([!~]?)");

    /** The tone of a cell or bold text, or null. Verdict words match case-insensitively, the whole text only. */
    static Tone tone(String text) {
        String t = text.strip();
        var calibration = CALIBRATION_CELL.matcher(t);
        if (calibration.matches()) {
            return switch (calibration.group(1)) {
                case "!" -> Tone.BAD;
                case "~" -> Tone.OPEN;
                default -> Tone.GOOD;
            };
        }
        if (t.equals("NO") || t.equals("yes")) {
            return t.equals("NO") ? Tone.BAD : Tone.GOOD; // "in band" of the coverage study (the only yes/NO cells)
        }
        return VERDICT_WORDS.get(t.toLowerCase(Locale.ROOT));
    }

    /**
     * Cells that should not wrap: one word (a probe or hypothesis name, a number), a short tolerance, or a number
     * with its interval (which would otherwise break inside {@code e-14}).
     */
    private static final Pattern SHORT_BOUND = Pattern.compile("(\\S{1,3} )?[≤≥<>=±]\\s?\\S{1,16}");
    private static final Pattern WITH_INTERVAL = Pattern.compile("(\\S{1,16} )?\\[\\S{1,16}, \\S{1,16}\\]");

    static boolean noWrap(String text) {
        String t = text.strip();
        return !t.isEmpty() && (t.length() <= 24 && (!t.matches(".*\\s.*") || SHORT_BOUND.matcher(t).matches())
                || WITH_INTERVAL.matcher(t).matches());
    }

    /** An interval {@code [lo, hi]} of numbers: kept on one line in the HTML (a no-break space after the comma). */
    private static final Pattern INTERVAL = Pattern.compile("\\[([^\\s\\[\\]<>,]{1,24}), ([^\\s\\[\\]<>,]{1,24})\\]");

    private static String textOf(Node node) {
        StringBuilder sb = new StringBuilder();
        collectText(node, sb);
        return sb.toString();
    }

    private static void collectText(Node node, StringBuilder sb) {
        for (Node c = node.getFirstChild(); c != null; c = c.getNext()) {
            if (c instanceof Text t) {
                sb.append(t.getLiteral());
            } else if (c instanceof Code code) {
                sb.append(code.getLiteral());
            } else {
                collectText(c, sb);
            }
        }
    }

    private static final String CSS = String.join("", "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,",
            "'DejaVu Sans',sans-serif;max-width:76em;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}",
            "p,ul,ol,h1,h2,h3{max-width:62em}",
            "h1{font-size:1.7em;line-height:1.2}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}",
            "table{display:block;max-width:100%;overflow-x:auto;border-collapse:collapse;margin:1em 0;",
            "font-size:.88em}th,td{border:1px solid #ccc;padding:.3em .55em;text-align:left;vertical-align:top}",
            "th{background:#f4f4f4;white-space:nowrap}tr:nth-child(even) td{background:#fafafa}",
            "td.nw{white-space:nowrap;font-variant-numeric:tabular-nums}",
            "tr td.v-good,strong.v-good{color:#176b2c;background:#e3f4e7;font-weight:600}",
            "tr td.v-bad,strong.v-bad{color:#a61b1b;background:#fde8e8;font-weight:600}",
            "tr td.v-open,strong.v-open{color:#7a5200;background:#fff3d1;font-weight:600}",
            "strong.v-good,strong.v-bad,strong.v-open{padding:0 .25em;border-radius:3px}",
            "img{max-width:100%;height:auto}figure{margin:1em 0}",
            "code{background:#f4f4f4;padding:0 .2em;overflow-wrap:anywhere}",
            "pre{background:#f4f4f4;padding:.6em .8em;white-space:pre-wrap;overflow-wrap:anywhere}pre code{padding:0}");

    /** Renders the Markdown to HTML with figures inlined as PNG data URIs. */
    public String html(String title) {
        List<Extension> ext = List.of(TablesExtension.create());
        AttributeProvider attributes = (node, tag, attrs) -> {
            if (node instanceof Image image) {
                Rendered r = figures.get(image.getDestination());
                if (r != null) {
                    attrs.put("src", "data:image/png;base64," + Base64.getEncoder().encodeToString(r.png()));
                    if (r.width() > 0) {
                        attrs.put("width", Integer.toString(r.width()));
                    }
                }
            } else if (node instanceof TableCell cell && !cell.isHeader()) {
                String text = textOf(cell);
                Tone tone = tone(text);
                String cls = tone != null ? tone.cssClass() + " nw" : noWrap(text) ? "nw" : null;
                if (cls != null) {
                    attrs.put("class", cls);
                }
            } else if (node instanceof StrongEmphasis strong) {
                Tone tone = tone(textOf(strong));
                if (tone != null) {
                    attrs.put("class", tone.cssClass());
                }
            }
        };
        String body = HtmlRenderer.builder().extensions(ext).escapeHtml(true)
                .attributeProviderFactory(context -> attributes).build()
                .render(Parser.builder().extensions(ext).build().parse(md.toString()));
        body = INTERVAL.matcher(body).replaceAll("[$1,&nbsp;$2]");
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + escapeHtml(title)
                + "</title>\n<style>" + CSS + "</style></head><body>\n" + body + "</body></html>\n";
    }

    private static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Writes the report files into the staging folder of {@code dir} (publishing is the caller's step). */
    public void writeTo(RunDirectory dir, String title, Map<String, Object> metrics, Map<String, Object> manifest) {
        for (Map.Entry<String, Rendered> f : figures.entrySet()) {
            AtomicFiles.write(dir.file(f.getKey()), out -> out.write(f.getValue().png()));
            if (f.getValue().svg() != null) {
                AtomicFiles.write(dir.file(svgName(f.getKey())), out -> out.write(f.getValue().svg()));
            }
        }
        AtomicFiles.writeString(dir.file("report.md"), md.toString());
        AtomicFiles.write(dir.file("report.html"), out -> out.write(html(title).getBytes(StandardCharsets.UTF_8)));
        AtomicFiles.writeString(dir.file("metrics.json"), Json.write(metrics));
        AtomicFiles.writeString(dir.file("manifest.json"), Json.write(manifest));
    }
}
