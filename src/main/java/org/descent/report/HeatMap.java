package org.descent.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.geom.AffineTransform;
import java.util.List;
import java.util.Locale;

/**
 * A heat map of a matrix drawn with Java2D (so the same drawing gives the PNG and the SVG): row 0 at the top as in
 * the matrix, labelled axes ("row i", "column j"), a colour bar with ticks, values printed in the cells (white on dark
 * cells, black on light ones) and a diverging colour scale centred on 0, so white means 0 in every map. Maps that are
 * meant to be compared (Γ_fit beside Γ*) are drawn with one {@link Scale} so that one colour means one value in both.
 * Non-finite cells are drawn grey with their value written in.
 */
public final class HeatMap {
    /** Blue (negative) → near-white (0) → red (positive): ColorBrewer RdBu, seven stops. */
    private static final Color[] STOPS = {new Color(33, 102, 172), new Color(103, 169, 207), new Color(209, 229, 240),
            new Color(247, 247, 247), new Color(253, 219, 199), new Color(239, 138, 98), new Color(178, 24, 43)};
    private static final Color NON_FINITE = new Color(200, 200, 200);
    private static final Color INK = new Color(34, 34, 34);
    /** Cells darker than this relative luminance get white text. */
    static final double DARK_LUMINANCE = 0.40;

    private static final int TOP = 44;
    private static final int LEFT = 64;
    private static final int BAR_GAP = 28;
    private static final int BAR_WIDTH = 18;
    private static final int RIGHT = 90;
    private static final int BOTTOM = 58;

    /**
     * The value range that the colours span, {@code [min, max]} with {@code min < max}; values outside are drawn in
     * the end colours (the colour bar says so).
     */
    public record Scale(double min, double max) {
        public Scale {
            if (!(Double.isFinite(min) && Double.isFinite(max) && min < max)) {
                throw new IllegalArgumentException("heat-map scale needs finite min < max, got [" + min + ", " + max
                        + "]");
            }
        }

        /** The symmetric scale {@code [−m, m]} with m the largest finite |value| of all the matrices (1e-12 if none). */
        public static Scale symmetric(double[][]... matrices) {
            double m = 0;
            for (double[][] a : matrices) {
                for (double[] row : a) {
                    for (double v : row) {
                        if (Double.isFinite(v)) {
                            m = Math.max(m, Math.abs(v));
                        }
                    }
                }
            }
            m = m > 0 ? m : 1e-12;
            return new Scale(-m, m);
        }

        /** {@link #symmetric} over a collection (e.g. the values of a name → matrix map). */
        public static Scale symmetric(java.util.Collection<double[][]> matrices) {
            return symmetric(matrices.toArray(new double[0][][]));
        }

        /** The colour of a finite value (clamped to the range); grey for NaN and ±∞. */
        public Color colour(double v) {
            if (!Double.isFinite(v)) {
                return NON_FINITE;
            }
            double t = Math.max(0, Math.min(1, (v - min) / (max - min))) * (STOPS.length - 1);
            int i = Math.min(STOPS.length - 2, (int) Math.floor(t));
            double f = t - i;
            Color a = STOPS[i];
            Color b = STOPS[i + 1];
            return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                    (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                    (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
        }
    }

    private final String title;
    private final double[][] m;
    private final Scale scale;
    private final int rows;
    private final int cols;
    private final int cell;

    /**
     * @param title the figure title (a note is added when cells are not finite)
     * @param m the matrix {@code [rows][cols]}, rows of equal length
     * @param scale the colour range, or null for {@link Scale#symmetric} over {@code m}
     */
    public HeatMap(String title, double[][] m, Scale scale) {
        this(title, m, scale, null);
    }

    /**
     * Axis labels: a title and one label per row and per column (e.g. the values of two sweep axes) instead of the
     * indices and "row i" / "column j".
     */
    public record Labels(String rowTitle, List<String> rows, String columnTitle, List<String> columns) {}

    private Labels labels;

    /** A heat map whose rows and columns are named by {@code labels} (null: indices). */
    public HeatMap(String title, double[][] m, Scale scale, Labels labels) {
        if (m.length == 0 || m[0].length == 0) {
            throw new IllegalArgumentException("heat map \"" + title + "\": empty matrix");
        }
        for (double[] row : m) {
            if (row.length != m[0].length) {
                throw new IllegalArgumentException("heat map \"" + title + "\": rows of different lengths");
            }
        }
        this.m = m;
        this.rows = m.length;
        this.cols = m[0].length;
        this.scale = scale != null ? scale : Scale.symmetric(m);
        this.cell = Math.max(12, Math.min(64, 440 / Math.max(rows, cols)));
        int blank = 0;
        for (double[] row : m) {
            for (double v : row) {
                blank += Double.isFinite(v) ? 0 : 1;
            }
        }
        this.title = blank == 0 ? title : title + " (" + blank + " NaN/Inf cell" + (blank == 1 ? "" : "s") + ", grey)";
        if (labels != null && (labels.rows().size() != rows || labels.columns().size() != cols)) {
            throw new IllegalArgumentException("heat map \"" + title + "\": labels do not match the matrix");
        }
        this.labels = labels;
    }

    public Scale scale() {
        return scale;
    }

    /** Where cell {@code (i, j)} is drawn, in figure pixels. */
    public Rectangle cellBounds(int i, int j) {
        return new Rectangle(LEFT + j * cell, TOP + i * cell, cell, cell);
    }

    /** The colour bar's pixel row for value {@code v} (clamped to the scale), and its horizontal middle. */
    public java.awt.Point barPoint(double v) {
        double t = Math.max(0, Math.min(1, (v - scale.min()) / (scale.max() - scale.min())));
        int y = TOP + (int) Math.round((1 - t) * (rows * cell - 1));
        return new java.awt.Point(LEFT + cols * cell + BAR_GAP + BAR_WIDTH / 2, y);
    }

    public int width() {
        return Math.max(LEFT + cols * cell + BAR_GAP + BAR_WIDTH + RIGHT, titleWidth() + 24);
    }

    public int height() {
        return TOP + rows * cell + BOTTOM;
    }

    private int titleWidth() {
        // a rough bound without a graphics context: 8 px per character at 14 px bold
        return title.length() * 8;
    }

    /** The figure (PNG and SVG). */
    public Figure figure() {
        return new Figure(width(), height(), this::paint);
    }

    /** Black or white, whichever reads better on {@code background}. */
    public static Color textColour(Color background) {
        return luminance(background) < DARK_LUMINANCE ? Color.WHITE : INK;
    }

    /** Relative luminance (sRGB, ITU-R BT.709 weights on linearised channels). */
    static double luminance(Color c) {
        return 0.2126 * linear(c.getRed()) + 0.7152 * linear(c.getGreen()) + 0.0722 * linear(c.getBlue());
    }

    private static double linear(int channel) {
        double s = channel / 255.0;
        return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    }

    private void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width(), height());
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        g.setFont(base.deriveFont(Font.BOLD, 14f));
        g.setColor(INK);
        FontMetrics fm = g.getFontMetrics();
        g.drawString(title, Math.max(8, (width() - fm.stringWidth(title)) / 2), 24);

        // cells with values
        boolean values = rows <= 12 && cols <= 12 && cell >= 28;
        String pattern = valuePattern();
        float valueSize = cell >= 44 ? 11f : 9.5f;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                Rectangle r = cellBounds(i, j);
                Color c = scale.colour(m[i][j]);
                g.setColor(c);
                g.fillRect(r.x, r.y, r.width, r.height);
                if (values || !Double.isFinite(m[i][j])) {
                    g.setFont(base.deriveFont(valueSize));
                    g.setColor(textColour(c));
                    String s = format(m[i][j], pattern);
                    FontMetrics vm = g.getFontMetrics();
                    if (vm.stringWidth(s) <= r.width - 2) {
                        g.drawString(s, r.x + (r.width - vm.stringWidth(s)) / 2,
                                r.y + (r.height + vm.getAscent() - vm.getDescent()) / 2);
                    }
                }
            }
        }
        g.setColor(new Color(120, 120, 120));
        g.setStroke(new BasicStroke(1f));
        g.draw(outline(LEFT, TOP, cols * cell, rows * cell));

        // axes: indices and titles
        g.setFont(base.deriveFont(11f));
        g.setColor(INK);
        fm = g.getFontMetrics();
        int step = Math.max(1, (int) Math.ceil(16.0 / cell));
        for (int i = 0; i < rows; i += step) {
            String s = labels != null ? labels.rows().get(i) : Integer.toString(i);
            g.drawString(s, LEFT - 6 - fm.stringWidth(s), TOP + i * cell + (cell + fm.getAscent() - fm.getDescent()) / 2);
        }
        for (int j = 0; j < cols; j += step) {
            String s = labels != null ? labels.columns().get(j) : Integer.toString(j);
            g.drawString(s, LEFT + j * cell + (cell - fm.stringWidth(s)) / 2, TOP + rows * cell + 4 + fm.getAscent());
        }
        g.setFont(base.deriveFont(12f));
        fm = g.getFontMetrics();
        String colTitle = labels != null ? labels.columnTitle() : "column j";
        g.drawString(colTitle, LEFT + (cols * cell - fm.stringWidth(colTitle)) / 2, TOP + rows * cell + 38);
        String rowTitle = labels != null ? labels.rowTitle() : "row i";
        AffineTransform saved = g.getTransform();
        g.translate(LEFT - 36, TOP + (rows * cell + fm.stringWidth(rowTitle)) / 2.0);
        g.rotate(-Math.PI / 2);
        g.drawString(rowTitle, 0, 0);
        g.setTransform(saved);

        // colour bar
        int bx = LEFT + cols * cell + BAR_GAP;
        int bh = rows * cell;
        for (int y = 0; y < bh; y++) {
            double v = scale.max() - (scale.max() - scale.min()) * y / Math.max(1, bh - 1);
            g.setColor(scale.colour(v));
            g.fillRect(bx, TOP + y, BAR_WIDTH, 1);
        }
        g.setColor(new Color(120, 120, 120));
        g.draw(outline(bx, TOP, BAR_WIDTH, bh));
        g.setFont(base.deriveFont(10.5f));
        g.setColor(INK);
        fm = g.getFontMetrics();
        double[] ticks = ticks();
        String tickPattern = tickPattern(ticks.length > 1 ? ticks[1] - ticks[0] : scale.max() - scale.min());
        for (double v : ticks) {
            int y = barPoint(v).y;
            g.drawLine(bx + BAR_WIDTH, y, bx + BAR_WIDTH + 4, y);
            g.drawString(format(v, tickPattern), bx + BAR_WIDTH + 7, y + (fm.getAscent() - fm.getDescent()) / 2);
        }
    }

    /** A 1-px frame just outside the rectangle, so that it covers no cell and no row of the bar. */
    private static java.awt.geom.Rectangle2D outline(int x, int y, int w, int h) {
        return new java.awt.geom.Rectangle2D.Double(x - 0.5, y - 0.5, w + 1.0, h + 1.0);
    }

    /** Cell values: two decimals for values of order one, scientific notation for very small or large ones. */
    private String valuePattern() {
        double a = Math.max(Math.abs(scale.min()), Math.abs(scale.max()));
        return a >= 0.095 && a < 100 ? "%.2f" : "%.1e";
    }

    /** Colour-bar ticks: round multiples of 1, 2, 2.5 or 5 × 10^k, about five to nine over the scale. */
    double[] ticks() {
        double range = scale.max() - scale.min();
        double raw = range / 8;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag * 10;
        for (double f : new double[] {1, 2, 2.5, 5, 10}) {
            if (f * mag >= raw) {
                step = f * mag;
                break;
            }
        }
        java.util.List<Double> out = new java.util.ArrayList<>();
        for (long k = (long) Math.ceil(scale.min() / step - 1e-9); k * step <= scale.max() + 1e-9 * step; k++) {
            out.add(k == 0 ? 0.0 : k * step); // no −0
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Enough decimals for the tick step; scientific notation for very small or very large scales. */
    private String tickPattern(double step) {
        double a = Math.max(Math.abs(scale.min()), Math.abs(scale.max()));
        if (a < 1e-3 || a >= 1e5) {
            return "%.1e";
        }
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        if (Math.abs(step * Math.pow(10, decimals) - Math.rint(step * Math.pow(10, decimals))) > 1e-6) {
            decimals++; // 2.5 × 10^k needs one more
        }
        return "%." + decimals + "f";
    }

    private static String format(double v, String pattern) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "∞" : "−∞";
        }
        return String.format(Locale.ROOT, pattern, v).replace('-', '−');
    }
}
