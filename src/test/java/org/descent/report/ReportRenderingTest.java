package org.descent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.descent.util.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * How reports render: data and labels come out literally (no italics from {@code η*I … η*I}, no element from
 * {@code <layer>.W_Q}, no split cell from {@code |}), verdicts are coloured, figures are written as PNG and as
 * well-formed SVG beside the report.
 */
class ReportRenderingTest {
    /** Labels that Markdown or HTML would otherwise interpret. */
    static final String STARS = "‖Γ_eff − η*I‖_F / ‖η*I‖_F";
    static final String ELEMENT = "<layer>.W_Q";
    static final String PIPE = "a|b";
    static final String UNDERSCORES = "w_1 and _w_2_ and __init__";
    static final String LINK = "[not a link](http://example.org) & &amp; `tick` ~~x~~";

    /** The text content of the body, tags removed and entities decoded: what a reader sees. */
    static String visibleText(String html) {
        String body = html.substring(html.indexOf("<body>"));
        return body.replaceAll("<[^>]+>", "").replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&quot;", "\"").replace("&amp;", "&");
    }

    static List<String> cells(String html) {
        Matcher m = Pattern.compile("<td[^>]*>(.*?)</td>", Pattern.DOTALL).matcher(html);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void labelsInTablesRenderLiterally() {
        Report r = new Report().table(List.of("label", "value"), List.of(List.of(STARS, "1"), List.of(ELEMENT, "2"),
                List.of(PIPE, "3"), List.of(UNDERSCORES, "4"), List.of(LINK, "5"), List.of("two\nlines", "6")));
        String html = r.html("t");
        List<String> cells = cells(html);
        assertEquals(12, cells.size(), "six rows of two cells, none split by | or a line break: " + cells);
        List<String> labels = List.of(STARS, ELEMENT, PIPE, UNDERSCORES, LINK, "two lines");
        for (int i = 0; i < labels.size(); i++) {
            String shown = cells.get(2 * i).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                    .replace("&amp;", "&");
            assertEquals(labels.get(i), shown, "cell " + i + " of " + html);
        }
        for (String tag : List.of("<em>", "<strong>", "<a ", "<code>", "<layer>", "<del>")) {
            assertFalse(html.contains(tag), tag + " in " + html);
        }
        assertTrue(html.contains("&lt;layer&gt;.W_Q"), html);
    }

    @Test
    void labelsInTextTitlesAndCaptionsRenderLiterally() {
        Report r = new Report().title("Probe report: " + ELEMENT).section(STARS)
                .text("- " + ELEMENT + " " + STARS + " " + PIPE + " " + LINK)
                .text("1. not a list")
                .paragraph("Authored **bold** with data " + Markdown.text(STARS) + " and " + Markdown.code("x`y"))
                .figure("f", "caption " + STARS, Plots.heatMap("h", new double[][] {{1}}));
        String html = r.html("title " + ELEMENT);
        String text = visibleText(html);
        for (String s : List.of("Probe report: " + ELEMENT, STARS, "- " + ELEMENT + " " + STARS + " " + PIPE + " "
                + LINK, "1. not a list", "Authored bold with data " + STARS + " and x`y")) {
            assertTrue(text.contains(s), "\"" + s + "\" not shown literally in:\n" + text);
        }
        assertTrue(html.contains("<title>title &lt;layer&gt;.W_Q</title>"), html);
        assertTrue(html.contains("alt=\"caption " + STARS + "\""), "figure caption as alt text: " + html);
        assertFalse(html.contains("<em>I"), html);
        assertFalse(html.contains("<ul>") || html.contains("<ol>"), "a leading - or 1. in data is no list: " + html);
        assertEquals(1, count(html, "<strong"), "only the authored bold: " + html);
    }

    @Test
    void probeMarkdownKeepsBoldAndCodeButNotMathEmphasis() {
        // what a probe writes: math with _ and *, some of it escaped already, plus intended bold and code
        String probe = "‖Γ_fit − Γ\\*‖_F/‖Γ\\*‖_F = 0.1 [0.1, 0.2]; Dist₊ = min_{α≥0} ‖Γ − αI‖_F/‖Γ‖_F; "
                + STARS + "; best **GD(η_fit)**; `a_b*c`; <layer>.W_Q";
        String html = new Report().paragraph(Markdown.mathSafe(probe)).html("t");
        assertFalse(html.contains("<em>"), html);
        assertEquals(1, count(html, "<strong>"), html);
        assertTrue(html.contains("<strong>GD(η_fit)</strong>"), html);
        assertTrue(html.contains("<code>a_b*c</code>"), html);
        assertTrue(visibleText(html).contains("‖Γ_fit − Γ*‖_F/‖Γ*‖_F = 0.1 [0.1, 0.2]; Dist₊ = min_{α≥0} ‖Γ − αI‖_F/"
                + "‖Γ‖_F; " + STARS + "; best GD(η_fit); a_b*c; <layer>.W_Q"), html);
        assertEquals("\\` x", Markdown.mathSafe("` x"), "an unmatched backtick is literal");

        // a report of formulas turns it on for all its paragraphs (the verify report, the presets' details)
        String formulas = "Dist(Γ, I) = min_α ‖Γ − αI‖_F/‖Γ‖_F; a_ b_ *c* **bold**";
        assertTrue(new Report().paragraph(formulas).html("t").contains("<em>"), "plain Markdown would italicise");
        String safe = new Report().literalMath(true).paragraph(formulas).html("t");
        assertFalse(safe.contains("<em>"), safe);
        assertTrue(safe.contains("<strong>bold</strong>") && visibleText(safe).contains("min_α ‖Γ − αI‖_F/‖Γ‖_F; a_ b_ "
                + "*c* bold"), safe);
    }

    @Test
    void rawHtmlInAuthoredMarkdownIsEscaped() {
        // a drop-in probe's paragraph is Markdown by contract; it still cannot inject elements
        String html = new Report().paragraph("x <script>alert(1)</script> <img src=x onerror=alert(1)> y")
                .html("t");
        assertFalse(html.contains("<script"), html);
        assertFalse(html.contains("<img src=x"), html);
        assertTrue(visibleText(html).contains("<script>alert(1)</script>"), html);
    }

    @Test
    void markdownEscapesRoundTrip() {
        assertEquals("a\\*b\\_c \\<d\\> \\|", Markdown.cell("a*b_c <d> |"));
        assertEquals("\\- x", Markdown.text("- x"));
        assertEquals("-0.5", Markdown.cell("-0.5"), "cells need no block escapes");
        assertEquals("12\\. x", Markdown.text("12. x"));
        assertEquals("``a`b``", Markdown.code("a`b"));
        assertEquals("```` ``` ````", Markdown.code("```"));
        assertEquals("```\n./descent verify\n```", Markdown.codeBlock("./descent verify"));
    }

    @Test
    void verdictsAreColoured() {
        Report r = new Report().table(List.of("check", "result"), List.of(List.of("gap", "pass"),
                List.of("cos", "FAIL"), List.of("diff", "inconclusive"), List.of("h", "consistent"),
                List.of("h2", "inconsistent"), List.of("claim", "not supported"), List.of("cell", "C→I!"),
                List.of("cell2", "I→?~"), List.of("cell3", "C→C"), List.of("in band", "NO"),
                List.of("name", "passed the test")))
                .paragraph("**supported** and **Not consistent** and **GD++**");
        String html = r.html("t");
        for (String[] c : new String[][] {{"pass", "v-good"}, {"FAIL", "v-bad"}, {"inconclusive", "v-open"},
                {"consistent", "v-good"}, {"inconsistent", "v-bad"}, {"not supported", "v-bad"}, {"C→I!", "v-bad"},
                {"I→?~", "v-open"}, {"C→C", "v-good"}, {"NO", "v-bad"}}) {
            assertTrue(Pattern.compile("<td class=\"" + c[1] + "[^\"]*\">" + Pattern.quote(c[0]) + "</td>")
                    .matcher(html).find(), c[0] + " should be " + c[1] + " in " + html);
        }
        assertTrue(html.contains("<td>passed the test</td>"), "no verdict, no colour: " + html);
        assertTrue(html.contains("<strong class=\"v-good\">supported</strong>"), html);
        assertTrue(html.contains("<strong class=\"v-bad\">Not consistent</strong>"), html);
        assertTrue(html.contains("<strong>GD++</strong>"), html);
        assertTrue(html.contains(".v-bad{"), "the classes are styled: " + html);
        assertNull(Report.tone("consistently"));
        assertTrue(Report.noWrap("B = 2000") && Report.noWrap("≤ 0.01000") && Report.noWrap("0.2 [0.1, 1.884e-14]")
                && !Report.noWrap("relative SPD vs fitted GD × 5, held out"), "short bounds and intervals stay whole");
        assertNotNull(Report.tone(" Inconclusive "));
    }

    @Test
    void figuresAreWrittenAsPngAndWellFormedSvgBesideTheReport(@TempDir Path root) throws Exception {
        Report r = new Report().title("figures");
        r.figure("loss", "loss", Plots.lossCurve(new float[] {3f, 2f, 1.6f, 1.51f, 1.5f}, List.of(
                new Plots.Level("GD(η*) test MSE", 1.5), new Plots.Level("trained <LSA> & co", 1.5003))));
        r.figure("curves", "error vs k", Plots.curves("error & <k>", "k", "MSE", List.of(new Plots.Curve("OLS",
                new double[] {1, 2, 3}, new double[] {1, 0.5, 1e-12})), true, 1e-4, 1e2));
        r.figure("heat", "Γ", Plots.heatMap("Γ_eff", new double[][] {{1, -0.5}, {Double.NaN, 2}}));
        r.figure("heat", "a second figure of the same name", Plots.heatMap("again", new double[][] {{1}}));
        r.figure("dropin", "a drop-in probe's own PNG", Plots.heatMap("x", new double[][] {{1}}).png());
        RunDirectory dir = RunDirectory.create(root, "test");
        r.writeTo(dir, "figures", Map.of(), Map.of());
        Path published = dir.publish();

        for (String name : List.of("loss", "curves", "heat")) {
            byte[] png = Files.readAllBytes(published.resolve(name + ".png"));
            assertEquals(0x89, png[0] & 0xff, name + ".png is a PNG");
            Document svg = parseXml(Files.readAllBytes(published.resolve(name + ".svg")));
            assertEquals("svg", svg.getDocumentElement().getLocalName() != null
                    ? svg.getDocumentElement().getLocalName() : svg.getDocumentElement().getTagName(), name);
            assertTrue(svg.getElementsByTagNameNS("*", "path").getLength()
                    + svg.getElementsByTagNameNS("*", "rect").getLength() > 0, name + ".svg draws something");
        }
        assertTrue(Files.exists(published.resolve("dropin.png")));
        assertFalse(Files.exists(published.resolve("dropin.svg")), "no SVG for a PNG handed in");
        assertEquals(List.of("loss.png", "loss.svg", "curves.png", "curves.svg", "heat.png", "heat.svg",
                "heat-2.png", "heat-2.svg", "dropin.png"), r.figureFiles());

        String html = Files.readString(published.resolve("report.html"));
        assertEquals(5, count(html, "src=\"data:image/png;base64,"), "every figure inlined: the HTML stays "
                + "self-contained");
        assertTrue(html.contains("href=\"loss.svg\""), "the SVG is linked: " + html);
        String md = Files.readString(published.resolve("report.md"));
        assertTrue(md.contains("](loss.png)") && md.contains("](loss.svg)"), md);
        // the PNG is drawn at twice the size it is shown at
        assertTrue(html.contains("width=\"820\""), html);
        assertEquals(820 * Figure.PNG_SCALE, Report.pngWidth(Files.readAllBytes(published.resolve("loss.png"))));
    }

    /** Parses XML without fetching anything (an SVG DOCTYPE must not reach the network). */
    static Document parseXml(byte[] bytes) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setValidating(false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        var builder = f.newDocumentBuilder();
        builder.setErrorHandler(null);
        return builder.parse(new ByteArrayInputStream(bytes));
    }

    static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }
}
