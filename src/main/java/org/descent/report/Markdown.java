package org.descent.report;

/**
 * Escaping for the CommonMark (GitHub-flavoured tables) text of reports. Text that comes from data or labels
 * (probe notes, criterion names, model and file names, hypothesis names) must render literally: {@code η*I … η*I}
 * must not turn into italics and {@code <layer>.W_Q} must not become an HTML element. Report builders write authored
 * Markdown (bold, code) with {@link Report#paragraph} and wrap every piece of data in {@link #text} or
 * {@link #code}; table cells are always escaped by {@link Report#table}.
 */
public final class Markdown {
    private Markdown() {}

    /** ASCII characters that can start or end an inline construct: emphasis, code, links, HTML, entities, pipes. */
    private static final String INLINE_SPECIAL = "\\`*_[]<>|~&";

    /**
     * Inline text that renders literally anywhere inside a paragraph: every character that could open or close an
     * inline construct is backslash-escaped, line breaks become spaces (a run of text is one line), and a leading
     * character that would start a block (heading, list item, setext underline) when the text begins a line is
     * escaped as well.
     */
    public static String text(String s) {
        return escapeBlockStart(cell(s));
    }

    /**
     * The content of a table cell, rendered literally: like {@link #text} without the block-start escapes, which a
     * cell does not need (so {@code -0.5} stays {@code -0.5} in report.md).
     */
    public static String cell(String s) {
        if (s == null) {
            return "";
        }
        String one = s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
        StringBuilder sb = new StringBuilder(one.length() + 8);
        for (int i = 0; i < one.length(); i++) {
            char c = one.charAt(i);
            if (INLINE_SPECIAL.indexOf(c) >= 0) {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** A paragraph of data only (a probe's note): {@link #text} without leading blanks, which would make code. */
    public static String paragraph(String s) {
        return text(s == null ? "" : s.strip());
    }

    /** Escapes a leading {@code #}, {@code -}, {@code +}, {@code =} or ordered-list marker ({@code 12.}, {@code 3)}). */
    private static String escapeBlockStart(String s) {
        int lead = 0;
        while (lead < s.length() && s.charAt(lead) == ' ') {
            lead++;
        }
        if (lead == s.length()) {
            return s;
        }
        char c = s.charAt(lead);
        if (c == '#' || c == '-' || c == '+' || c == '=') {
            return s.substring(0, lead) + "\\" + s.substring(lead);
        }
        int end = lead;
        while (end < s.length() && Character.isDigit(s.charAt(end))) {
            end++;
        }
        if (end > lead && end < s.length() && (s.charAt(end) == '.' || s.charAt(end) == ')')) {
            return s.substring(0, end) + "\\" + s.substring(end);
        }
        return s;
    }

    /**
     * Markdown written by a probe (math-heavy text such as {@code ‖Γ_fit − Γ*‖_F, min_{α≥0}}) made safe: bold
     * ({@code **…**}), code spans and backslash escapes keep their meaning, while every underscore and every single
     * asterisk is made literal, so {@code _F … min_} and {@code η*I … η*I} never turn into italics. Raw HTML needs no
     * treatment here: the HTML renderer escapes it.
     */
    public static String mathSafe(String markdown) {
        if (markdown == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(markdown.length() + 16);
        int i = 0;
        int n = markdown.length();
        while (i < n) {
            char c = markdown.charAt(i);
            if (c == '\\' && i + 1 < n) {
                sb.append(c).append(markdown.charAt(i + 1));
                i += 2;
            } else if (c == '`') {
                int run = runLength(markdown, i, '`');
                int close = findRun(markdown, i + run, '`', run);
                if (close < 0) {
                    sb.append("\\`".repeat(run)); // an unmatched fence is literal text
                    i += run;
                } else {
                    sb.append(markdown, i, close + run); // a code span, verbatim
                    i = close + run;
                }
            } else if (c == '*') {
                int run = runLength(markdown, i, '*');
                sb.append(run == 1 ? "\\*" : markdown.substring(i, i + run));
                i += run;
            } else if (c == '_') {
                sb.append("\\_");
                i++;
            } else {
                sb.append(c);
                i++;
            }
        }
        return sb.toString();
    }

    private static int runLength(String s, int from, char c) {
        int end = from;
        while (end < s.length() && s.charAt(end) == c) {
            end++;
        }
        return end - from;
    }

    /** The start of the next run of exactly {@code length} characters {@code c} at or after {@code from}, or −1. */
    private static int findRun(String s, int from, char c, int length) {
        int i = from;
        while (i < s.length()) {
            if (s.charAt(i) == c) {
                int run = runLength(s, i, c);
                if (run == length) {
                    return i;
                }
                i += run;
            } else {
                i++;
            }
        }
        return -1;
    }

    /**
     * An inline code span showing {@code s} literally (a file name, a checkpoint path, a hash): the fence is one
     * backtick longer than the longest run of backticks inside, padded with spaces when {@code s} starts or ends with
     * one. Not for table cells, where {@link Report#table} escapes the text itself.
     */
    public static String code(String s) {
        String one = (s == null ? "" : s).replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
        int longest = 0;
        int run = 0;
        for (int i = 0; i < one.length(); i++) {
            run = one.charAt(i) == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        String fence = "`".repeat(longest + 1);
        boolean pad = one.startsWith("`") || one.endsWith("`") || (one.startsWith(" ") && one.endsWith(" ")
                && !one.isBlank());
        return fence + (pad ? " " : "") + one + (pad ? " " : "") + fence;
    }

    /** A fenced code block showing {@code s} literally, one line or several (the command that reproduces a report). */
    public static String codeBlock(String s) {
        String body = s == null ? "" : s;
        int longest = 0;
        int run = 0;
        for (int i = 0; i < body.length(); i++) {
            run = body.charAt(i) == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        String fence = "`".repeat(Math.max(3, longest + 1));
        return fence + "\n" + body + (body.endsWith("\n") ? "" : "\n") + fence;
    }
}
