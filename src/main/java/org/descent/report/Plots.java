package org.descent.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Figures for reports, drawn headless with XChart (curves) and {@link HeatMap} (matrices) and returned as a
 * {@link Figure}, which renders to PNG and SVG.
 *
 * <p>Curves get a colour-blind-safe palette (Okabe–Ito) and, series by series, a different marker and line style, so
 * curves that coincide (GD(η*) over the trained LSA, Xᵀy/N under w_1) stay visible as alternating dashes; a series
 * whose values equal an earlier one's says so in the legend. Axis ticks are written with a leading zero ({@code 0.05},
 * never {@code .05}).
 *
 * <p>NaN and infinite values (a foreign model's broken predictions, a diverged loss) are never handed to XChart, which
 * rejects them: points with a non-finite coordinate are left out (the series' legend entry says how many), a series
 * with no finite point is left out with a note in the title, and non-finite heat-map cells are drawn grey. Values
 * beyond a plot's range (exact zeros on a log axis, an exploding curve) are drawn on its edge and the legend entry
 * says how many and where. Tables and metrics keep the exact values.
 */
public final class Plots {
    private static final int MAX_POINTS = 1500;
    /** Values below this are drawn at it on logarithmic axes. */
    static final double LOG_FLOOR = 1e-4;

    /** Okabe–Ito colours (without the yellow, too pale on white), then a grey. */
    static final Color[] PALETTE = {new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115),
            new Color(204, 121, 167), new Color(230, 159, 0), new Color(86, 180, 233), new Color(0, 0, 0),
            new Color(120, 120, 120)};
    private static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE,
            SeriesMarkers.TRIANGLE_UP, SeriesMarkers.CROSS, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.PLUS};
    private static final BasicStroke[] LINES = {stroke(2.0f, null), stroke(2.0f, new float[] {7f, 4f}),
            stroke(2.2f, new float[] {2f, 3f}), stroke(2.0f, new float[] {9f, 3f, 2f, 3f})};
    private static final Color INK = new Color(34, 34, 34);

    private Plots() {}

    /** A horizontal reference line on a curve plot. */
    public record Level(String name, double value) {}

    /** A named curve {@code (x[i], y[i])}. */
    public record Curve(String name, double[] x, double[] y) {}

    private static BasicStroke stroke(float width, float[] dash) {
        return dash == null ? new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                : new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, dash, 0f);
    }

    /**
     * The training loss per step (averaged over windows so at most {@value #MAX_POINTS} points are drawn; log scale
     * when it spans more than a factor 20) with reference levels such as the GD(η*) test loss.
     *
     * <p>With a finite level, a second panel shows on a log axis how far the training loss is from the first level
     * (its mean over {@value #GAP_POINTS} windows, which evens out the noise of single batches; above and below the
     * level marked apart), and where every other level lies relative to it: a gap of 3e-4 between the trained model's
     * and GD(η*)'s test loss, invisible on the first panel's linear axis, is as readable there as one of 0.3.
     */
    public static Figure lossCurve(float[] losses, List<Level> levels) {
        double[][] xy = windowMeans(losses, MAX_POINTS);
        double[] x = xy[0];
        double[] y = xy[1];
        int points = x.length;
        String lossName = "train loss" + (xy[2][0] > 1 ? " (mean of " + (int) xy[2][0] + " steps)" : "");
        XYChart chart = xy("Training loss (MSE, no ½)", "step", "loss", 820, 400);
        double lo = Arrays.stream(y).filter(Double::isFinite).min().orElse(1);
        double hi = Arrays.stream(y).filter(Double::isFinite).max().orElse(1);
        for (Level level : levels) {
            if (Double.isFinite(level.value()) && level.value() > 0) {
                lo = Math.min(lo, level.value());
                hi = Math.max(hi, level.value());
            }
        }
        boolean log = hi / lo > 20; // a log axis shows no ticks within one decade
        chart.getStyler().setYAxisLogarithmic(log);
        chart.getStyler().setYAxisDecimalPattern(log ? logPattern(lo) : decimalPattern(lo, hi));
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        roundXTicks(chart, x, y);
        List<String> omitted = new ArrayList<>();
        XYSeries s = addFinite(chart, lossName, x, y, omitted);
        if (s != null) {
            style(s, 0, false);
        }
        List<Level> drawn = new ArrayList<>();
        for (Level level : levels) {
            XYSeries l = addFinite(chart, level.name(), new double[] {0, x[points - 1]},
                    new double[] {level.value(), level.value()}, omitted);
            if (l != null) {
                styleLevel(l, drawn.size());
                drawn.add(level);
            }
        }
        noteOmitted(chart, omitted);
        if (drawn.isEmpty() || s == null) {
            return figure(List.of(chart));
        }

        // second panel: |loss − level| on a log axis, split by sign, with the other levels' distances
        Level reference = drawn.get(0);
        double ref = reference.value();
        double[][] coarse = windowMeans(losses, GAP_POINTS);
        double[] cx = coarse[0];
        double[] above = new double[cx.length];
        double[] below = new double[cx.length];
        double[] both = new double[cx.length];
        for (int p = 0; p < cx.length; p++) {
            double diff = coarse[1][p] - ref;
            above[p] = Double.isFinite(diff) && diff > 0 ? diff : Double.NaN;
            below[p] = Double.isFinite(diff) && diff < 0 ? -diff : Double.NaN;
            both[p] = Double.isFinite(diff) && diff != 0 ? Math.abs(diff) : Double.NaN;
        }
        XYChart gap = xy("Distance from " + reference.name() + " (log scale)", "step", "|loss − level|", 820, 400);
        gap.getStyler().setYAxisLogarithmic(true);
        gap.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS); // the points fill the whole plot
        gap.getStyler().setMarkerSize(5);
        double smallest = Arrays.stream(both).filter(Double::isFinite).min().orElse(1);
        roundXTicks(gap, cx, both);
        String mean = coarse[2][0] > 1 ? ", mean of " + (int) coarse[2][0] + " steps" : "";
        List<String> none = new ArrayList<>();
        XYSeries a = addFinite(gap, "train loss above the level" + mean, cx, above, none, false);
        if (a != null) {
            a.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            a.setMarker(SeriesMarkers.CIRCLE);
            a.setMarkerColor(PALETTE[0]);
        }
        XYSeries b = addFinite(gap, "train loss below the level" + mean, cx, below, none, false);
        if (b != null) {
            b.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            b.setMarker(SeriesMarkers.DIAMOND);
            b.setMarkerColor(PALETTE[1]);
        }
        for (int i = 1; i < drawn.size(); i++) {
            double d = drawn.get(i).value() - ref;
            if (d == 0) {
                continue; // nothing to draw on a log axis; the first panel shows the two levels equal
            }
            smallest = Math.min(smallest, Math.abs(d));
            XYSeries l = gap.addSeries(String.format(Locale.ROOT, "%s − %s = %s", drawn.get(i).name(),
                    reference.name(), signed(d)), new double[] {0, cx[cx.length - 1]},
                    new double[] {Math.abs(d), Math.abs(d)});
            styleLevel(l, i);
        }
        if (a == null && b == null && drawn.size() < 2) {
            return figure(List.of(chart));
        }
        gap.getStyler().setYAxisDecimalPattern(logPattern(smallest));
        return figure(List.of(chart, gap));
    }

    /** Windows of the gap panel of {@link #lossCurve}. */
    private static final int GAP_POINTS = 100;

    /**
     * Means of the finite losses over consecutive windows so that at most {@code maxPoints} remain: {@code [0]} the
     * step at each window's end, {@code [1]} the mean (NaN when none is finite), {@code [2][0]} the window length.
     */
    private static double[][] windowMeans(float[] losses, int maxPoints) {
        int window = Math.max(1, (losses.length + maxPoints - 1) / maxPoints);
        int points = Math.max(1, (losses.length + window - 1) / window);
        double[] x = new double[points];
        double[] y = new double[points];
        Arrays.fill(y, Double.NaN);
        for (int p = 0; p * window < losses.length; p++) {
            int from = p * window;
            int to = Math.min(losses.length, from + window);
            double sum = 0;
            int finite = 0;
            for (int i = from; i < to; i++) {
                if (Float.isFinite(losses[i])) {
                    sum += losses[i];
                    finite++;
                }
            }
            x[p] = to;
            y[p] = finite == 0 ? Double.NaN : Math.max(sum / finite, 1e-12);
        }
        return new double[][] {x, y, {window}};
    }

    /** Reference level {@code i}: dashed, in the colours after the loss's. */
    private static void styleLevel(XYSeries l, int i) {
        l.setMarker(SeriesMarkers.NONE);
        l.setLineColor(PALETTE[(i + 1) % PALETTE.length]);
        l.setLineStyle(LINES[1 + i % (LINES.length - 1)]);
    }

    private static String signed(double v) {
        return (v > 0 ? "+" : "−") + num(Math.abs(v));
    }

    /** Several curves on one plot, e.g. error vs number of in-context examples. */
    public static Figure curves(String title, String xTitle, String yTitle, List<Curve> curves, boolean logY) {
        return curves(title, xTitle, yTitle, curves, logY, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
    }

    /**
     * Several curves with values clamped to {@code [yMin, yMax]} (points beyond are drawn on the boundary, so one
     * exploding curve does not flatten the others, and the legend says how many were moved; tables keep the exact
     * values). On a log axis values below {@value #LOG_FLOOR} (exact zeros included) are drawn at that floor.
     */
    public static Figure curves(String title, String xTitle, String yTitle, List<Curve> curves, boolean logY,
            double yMin, double yMax) {
        XYChart chart = xy(title, xTitle, yTitle, 980, 460);
        chart.getStyler().setYAxisLogarithmic(logY);
        double floor = logY ? Math.max(yMin, LOG_FLOOR) : yMin;
        if (logY) {
            chart.getStyler().setYAxisDecimalPattern(logPattern(floor));
        }
        List<String> omitted = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        boolean integerX = true;
        List<double[][]> drawn = new ArrayList<>();
        int longest = 0;
        for (int c = 0; c < curves.size(); c++) {
            Curve cv = curves.get(c);
            double[] y = cv.y().clone();
            int below = 0;
            int above = 0;
            for (int i = 0; i < y.length; i++) {
                if (Double.isFinite(y[i])) {
                    if (y[i] < floor) {
                        below++;
                        y[i] = floor;
                    } else if (y[i] > yMax) {
                        above++;
                        y[i] = yMax;
                    }
                    lo = Math.min(lo, y[i]);
                    hi = Math.max(hi, y[i]);
                }
            }
            for (double v : cv.x()) {
                integerX &= !Double.isFinite(v) || v == Math.rint(v);
            }
            List<String> notes = new ArrayList<>();
            String same = sameAs(curves, c);
            if (same != null) {
                notes.add("same values as " + same);
            }
            if (below > 0) {
                notes.add(below + (below == 1 ? " point" : " points") + " below " + num(floor) + ", drawn at "
                        + num(floor));
            }
            if (above > 0) {
                notes.add(above + (above == 1 ? " point" : " points") + " above " + num(yMax) + ", drawn at "
                        + num(yMax));
            }
            String name = notes.isEmpty() ? cv.name() : cv.name() + " (" + String.join("; ", notes) + ")";
            XYSeries s = addFinite(chart, name, cv.x(), y, omitted);
            if (s != null) {
                style(s, c, true);
                drawn.add(new double[][] {cv.x(), y});
                longest = Math.max(longest, name.length());
            }
        }
        if (!logY && lo <= hi) {
            chart.getStyler().setYAxisDecimalPattern(decimalPattern(lo, hi));
        }
        chart.getStyler().setLegendPosition(legendPosition(drawn, logY, longest, chart.getWidth(),
                chart.getHeight()));
        if (integerX && !drawn.isEmpty()) {
            // integer x (k, layer): label the whole ticks only, so no "0.5 layers"
            Function<Double, String> ints = v -> Math.abs(v - Math.rint(v)) < 1e-9 ? Long.toString(Math.round(v)) : "";
            chart.setCustomXAxisTickLabelsFormatter(ints);
        }
        noteOmitted(chart, omitted);
        return figure(List.of(chart));
    }

    /**
     * Curves of means with symmetric error bars (e.g. Student t intervals over seeds): {@code halfWidths.get(c)[i]}
     * is the half-width at point i of curve c (0 or NaN: no bar). Points with a non-finite mean are left out.
     */
    public static Figure curvesWithErrorBars(String title, String xTitle, String yTitle, List<Curve> curves,
            List<double[]> halfWidths) {
        XYChart chart = xy(title, xTitle, yTitle, 980, 460);
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        List<String> omitted = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        boolean integerX = true;
        int longest = 0;
        List<double[][]> drawn = new ArrayList<>();
        for (int c = 0; c < curves.size(); c++) {
            Curve cv = curves.get(c);
            int n = Math.min(cv.x().length, cv.y().length);
            double[] fx = new double[n];
            double[] fy = new double[n];
            double[] fe = new double[n];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (Double.isFinite(cv.x()[i]) && Double.isFinite(cv.y()[i])) {
                    double e = halfWidths.get(c)[i];
                    fx[k] = cv.x()[i];
                    fy[k] = cv.y()[i];
                    fe[k] = Double.isFinite(e) ? e : 0;
                    lo = Math.min(lo, fy[k] - fe[k]);
                    hi = Math.max(hi, fy[k] + fe[k]);
                    integerX &= fx[k] == Math.rint(fx[k]);
                    k++;
                }
            }
            if (k == 0) {
                omitted.add(cv.name());
                continue;
            }
            XYSeries s = chart.addSeries(cv.name(), Arrays.copyOf(fx, k), Arrays.copyOf(fy, k), Arrays.copyOf(fe, k));
            style(s, c, true);
            drawn.add(new double[][] {Arrays.copyOf(fx, k), Arrays.copyOf(fy, k)});
            longest = Math.max(longest, cv.name().length());
        }
        if (lo <= hi) {
            chart.getStyler().setYAxisDecimalPattern(decimalPattern(lo, hi));
        }
        chart.getStyler().setLegendPosition(legendPosition(drawn, false, longest, chart.getWidth(), chart.getHeight()));
        if (integerX && !drawn.isEmpty()) {
            Function<Double, String> ints = v -> Math.abs(v - Math.rint(v)) < 1e-9 ? Long.toString(Math.round(v)) : "";
            chart.setCustomXAxisTickLabelsFormatter(ints);
        }
        noteOmitted(chart, omitted);
        return figure(List.of(chart));
    }

    /**
     * Makes XChart put the x ticks at round numbers (0, 100, 200, …). When the x values of all series are equally
     * spaced, XChart puts the ticks on data points instead (steps 1, 24, 47, …); it tests the spacing on the x values
     * in the order the series were added, so a first, invisible series holding the last and the first finite point
     * of the data, in that order, turns the test off without changing what is drawn.
     */
    private static void roundXTicks(XYChart chart, double[] x, double[] y) {
        int first = -1;
        int last = -1;
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        if (first < 0 || last == first) {
            return;
        }
        XYSeries anchor = chart.addSeries(" ", new double[] {x[last], x[first]}, new double[] {y[last], y[first]});
        anchor.setShowInLegend(false);
        anchor.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter); // no line ...
        anchor.setMarker(SeriesMarkers.NONE); // ... and no marker: nothing drawn
    }

    /**
     * A corner inside the plot that no curve passes through and that the legend fits in (tried NE, NW, SW, SE), else
     * outside on the right: an inside legend leaves the plot its full width. Sizes are estimates from the label
     * lengths at the legend font; each curve is sampled along its segments.
     */
    static Styler.LegendPosition legendPosition(List<double[][]> curves, boolean logY, int longestLabel, int width,
            int height) {
        double plotW = width - 110;
        double plotH = height - 110;
        double fw = (60 + 7.0 * longestLabel) / plotW + 0.04;
        double fh = (14 + 18.0 * curves.size()) / plotH + 0.04;
        if (curves.isEmpty() || fw > 0.6 || fh > 0.7) {
            return Styler.LegendPosition.OutsideE;
        }
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (double[][] c : curves) {
            for (int i = 0; i < Math.min(c[0].length, c[1].length); i++) {
                double y = logY ? Math.log10(c[1][i]) : c[1][i];
                if (Double.isFinite(c[0][i]) && Double.isFinite(y)) {
                    x0 = Math.min(x0, c[0][i]);
                    x1 = Math.max(x1, c[0][i]);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        double dx = x1 > x0 ? x1 - x0 : 1;
        double dy = y1 > y0 ? y1 - y0 : 1;
        Styler.LegendPosition[] corners = {Styler.LegendPosition.InsideNE, Styler.LegendPosition.InsideNW,
                Styler.LegendPosition.InsideSW, Styler.LegendPosition.InsideSE};
        for (Styler.LegendPosition corner : corners) {
            boolean east = corner == Styler.LegendPosition.InsideNE || corner == Styler.LegendPosition.InsideSE;
            boolean north = corner == Styler.LegendPosition.InsideNE || corner == Styler.LegendPosition.InsideNW;
            boolean free = true;
            for (double[][] c : curves) {
                double px = Double.NaN;
                double py = Double.NaN;
                for (int i = 0; i < Math.min(c[0].length, c[1].length) && free; i++) {
                    double qx = (c[0][i] - x0) / dx;
                    double qy = ((logY ? Math.log10(c[1][i]) : c[1][i]) - y0) / dy;
                    if (!Double.isFinite(qx) || !Double.isFinite(qy)) {
                        px = Double.NaN;
                        continue;
                    }
                    int samples = Double.isNaN(px) ? 1 : 24;
                    for (int k = 1; k <= samples && free; k++) {
                        double t = (double) k / samples;
                        double sx = Double.isNaN(px) ? qx : px + t * (qx - px);
                        double sy = Double.isNaN(py) ? qy : py + t * (qy - py);
                        boolean inX = east ? sx >= 1 - fw : sx <= fw;
                        boolean inY = north ? sy >= 1 - fh : sy <= fh;
                        free = !(inX && inY);
                    }
                    px = qx;
                    py = qy;
                }
            }
            if (free) {
                return corner;
            }
        }
        return Styler.LegendPosition.OutsideE;
    }

    /** The name of an earlier curve with the same x and (to 1e-12 relative) the same y, or null. */
    private static String sameAs(List<Curve> curves, int c) {
        Curve a = curves.get(c);
        for (int e = 0; e < c; e++) {
            Curve b = curves.get(e);
            if (Arrays.equals(a.x(), b.x()) && a.y().length == b.y().length && a.y().length > 0) {
                boolean same = true;
                for (int i = 0; i < a.y().length && same; i++) {
                    double u = a.y()[i];
                    double v = b.y()[i];
                    same = Double.isFinite(u) && Double.isFinite(v) ? Math.abs(u - v)
                            <= 1e-12 * Math.max(1, Math.max(Math.abs(u), Math.abs(v))) : Double.compare(u, v) == 0;
                }
                if (same) {
                    return b.name();
                }
            }
        }
        return null;
    }

    /** Series {@code i}: palette colour, marker and line style all differ from the neighbours'. */
    private static void style(XYSeries s, int i, boolean markers) {
        Color c = PALETTE[i % PALETTE.length];
        s.setLineColor(c);
        s.setMarkerColor(c);
        s.setLineStyle(LINES[i % LINES.length]);
        s.setMarker(markers ? MARKERS[i % MARKERS.length] : SeriesMarkers.NONE);
    }

    /**
     * A tick-label pattern with a leading zero and enough decimals for ticks about a tenth of the range apart;
     * scientific notation for very small or very large values.
     */
    static String decimalPattern(double lo, double hi) {
        double mag = Math.max(Math.abs(lo), Math.abs(hi));
        if (mag == 0) {
            return "0";
        }
        if (mag >= 1e5 || mag < 1e-3) {
            return "0.0##E0";
        }
        double span = hi - lo > 0 ? hi - lo : mag;
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(span / 10)) + 1);
        return decimals == 0 ? "0" : "0.0" + "#".repeat(Math.min(decimals, 8) - 1);
    }

    /** A short number for legend notes: {@code 1e-4}, {@code 100}, {@code 0.05}, {@code 2.5e6}. */
    static String num(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return v == 0 ? "0" : Double.toString(v);
        }
        int exp = (int) Math.floor(Math.log10(Math.abs(v)));
        if (exp < -3 || exp > 4) {
            String mantissa = new java.math.BigDecimal(v / Math.pow(10, exp)).round(new java.math.MathContext(3))
                    .stripTrailingZeros().toPlainString();
            return mantissa + "e" + exp;
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /**
     * Tick labels of a log axis (XChart labels the powers of ten): written out (0.0001 … 10000) when the smallest
     * value is at least 1e-4, else all in scientific notation (1E-6, 1E-5, …), never a mixture. (A custom tick
     * formatter would do better, but XChart's custom-formatter tick calculator does not terminate on log axes.)
     */
    static String logPattern(double smallest) {
        return smallest >= 0.99e-4 ? "0.####" : "0E0";
    }

    private static XYChart xy(String title, String xTitle, String yTitle, int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        XYStyler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderColor(new Color(150, 150, 150));
        st.setPlotGridLinesColor(new Color(225, 225, 225));
        st.setLegendBorderColor(new Color(200, 200, 200));
        st.setChartFontColor(INK);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        st.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        st.setLegendSeriesLineLength(36);
        st.setMarkerSize(7);
        st.setSeriesColors(PALETTE);
        return chart;
    }

    /** Charts stacked top to bottom in one figure. */
    private static Figure figure(List<XYChart> panels) {
        int width = panels.stream().mapToInt(XYChart::getWidth).max().orElse(1);
        int height = panels.stream().mapToInt(XYChart::getHeight).sum();
        return new Figure(width, height, (Graphics2D g) -> {
            java.awt.geom.AffineTransform base = g.getTransform();
            int top = 0;
            for (XYChart p : panels) {
                g.setTransform(base);
                g.translate(0, top);
                p.paint(g, p.getWidth(), p.getHeight());
                top += p.getHeight();
            }
            g.setTransform(base);
        });
    }

    private static XYSeries addFinite(XYChart chart, String name, double[] x, double[] y, List<String> omitted) {
        return addFinite(chart, name, x, y, omitted, true);
    }

    /**
     * Adds the points of {@code (x, y)} whose coordinates are both finite; returns null (and records the name) when
     * none is. With {@code countOmitted} the legend entry says how many points were left out.
     */
    private static XYSeries addFinite(XYChart chart, String name, double[] x, double[] y, List<String> omitted,
            boolean countOmitted) {
        int n = Math.min(x.length, y.length);
        double[] fx = new double[n];
        double[] fy = new double[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                fx[k] = x[i];
                fy[k] = y[i];
                k++;
            }
        }
        if (k == 0) {
            omitted.add(name);
            return null;
        }
        String label = k < n && countOmitted ? name + " (" + (n - k) + " NaN/Inf points not drawn)" : name;
        return chart.addSeries(label, Arrays.copyOf(fx, k), Arrays.copyOf(fy, k));
    }

    private static void noteOmitted(XYChart chart, List<String> omitted) {
        if (!omitted.isEmpty()) {
            chart.setTitle(chart.getTitle() + " [not drawn, no finite value: " + String.join(", ", omitted) + "]");
        }
    }

    /** A heat map of a matrix {@code m [rows][cols]} on its own symmetric colour scale, with a colour bar. */
    public static Figure heatMap(String title, double[][] m) {
        return heatMap(title, m, null);
    }

    /**
     * A heat map on a given colour scale: maps meant to be compared (Γ_fit and Γ*) take one
     * {@link HeatMap.Scale#symmetric} over both, so one colour means one value in each.
     */
    public static Figure heatMap(String title, double[][] m, HeatMap.Scale scale) {
        if (m.length == 0 || m[0].length == 0) {
            return new Figure(560, 80, g -> {
                g.setColor(INK);
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
                g.drawString(title + ": empty matrix", 12, 40);
            });
        }
        return new HeatMap(title, m, scale).figure();
    }
}
