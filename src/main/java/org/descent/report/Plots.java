package org.descent.report;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Figures for reports, rendered headless with XChart to PNG bytes. NaN and infinite values (a foreign model's
 * broken predictions, a diverged loss) are never handed to XChart, which rejects them: points with a non-finite
 * coordinate are left out (the series' legend entry says how many), a series with no finite point is left out with
 * a note in the title, and non-finite heat-map cells are left blank. Tables and metrics keep the exact values.
 */
public final class Plots {
    private static final int MAX_POINTS = 1500;
    /** Values below this are drawn at it on logarithmic axes. */
    static final double LOG_FLOOR = 1e-4;

    private Plots() {}

    /** A horizontal reference line on a curve plot. */
    public record Level(String name, double value) {}

    /** A named curve {@code (x[i], y[i])}. */
    public record Curve(String name, double[] x, double[] y) {}

    /**
     * The training loss per step (averaged over windows so at most {@value #MAX_POINTS} points are drawn, log scale)
     * with reference levels such as the GD(η*) test loss.
     */
    public static byte[] lossCurve(float[] losses, List<Level> levels) {
        int window = Math.max(1, (losses.length + MAX_POINTS - 1) / MAX_POINTS);
        int points = (losses.length + window - 1) / window;
        double[] x = new double[points];
        double[] y = new double[points];
        for (int p = 0; p < points; p++) {
            int from = p * window;
            int to = Math.min(losses.length, from + window);
            double s = 0;
            int finite = 0;
            for (int i = from; i < to; i++) {
                if (Float.isFinite(losses[i])) {
                    s += losses[i];
                    finite++;
                }
            }
            x[p] = to;
            y[p] = finite == 0 ? Double.NaN : Math.max(s / finite, 1e-12);
        }
        XYChart chart = new XYChartBuilder().width(820).height(420).title("Training loss (MSE, no ½)")
                .xAxisTitle("step").yAxisTitle("loss").build();
        double lo = java.util.Arrays.stream(y).filter(Double::isFinite).min().orElse(1);
        double hi = java.util.Arrays.stream(y).filter(Double::isFinite).max().orElse(1);
        chart.getStyler().setYAxisLogarithmic(hi / lo > 20); // a log axis shows no ticks within one decade
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> omitted = new ArrayList<>();
        XYSeries s = addFinite(chart, "train loss" + (window > 1 ? " (mean of " + window + " steps)" : ""), x, y,
                omitted);
        if (s != null) {
            s.setMarker(SeriesMarkers.NONE);
        }
        for (Level level : levels) {
            XYSeries l = addFinite(chart, level.name(), new double[] {x[0], x[points - 1]},
                    new double[] {level.value(), level.value()}, omitted);
            if (l != null) {
                l.setMarker(SeriesMarkers.NONE);
            }
        }
        noteOmitted(chart, omitted);
        return png(chart);
    }

    /** Several curves on one plot, e.g. error vs number of in-context examples. */
    public static byte[] curves(String title, String xTitle, String yTitle, List<Curve> curves, boolean logY) {
        return curves(title, xTitle, yTitle, curves, logY, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
    }

    /**
     * Several curves with values clamped to {@code [yMin, yMax]} (points beyond are drawn on the boundary, so one
     * exploding curve does not flatten the others; tables keep the exact values).
     */
    public static byte[] curves(String title, String xTitle, String yTitle, List<Curve> curves, boolean logY,
            double yMin, double yMax) {
        XYChart chart = new XYChartBuilder().width(820).height(420).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> omitted = new ArrayList<>();
        for (Curve c : curves) {
            double[] y = c.y().clone();
            for (int i = 0; i < y.length; i++) {
                // exact zeros (OLS past k = d) cannot be drawn on a log axis; NaN and ±∞ are left out below
                if (Double.isFinite(y[i])) {
                    y[i] = Math.min(yMax, Math.max(y[i], logY ? Math.max(yMin, LOG_FLOOR) : yMin));
                }
            }
            addFinite(chart, c.name(), c.x(), y, omitted);
        }
        noteOmitted(chart, omitted);
        return png(chart);
    }

    /**
     * Adds the points of {@code (x, y)} whose coordinates are both finite; returns null (and records the name) when
     * none is.
     */
    private static XYSeries addFinite(XYChart chart, String name, double[] x, double[] y, List<String> omitted) {
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
        String label = k < n ? name + " (" + (n - k) + " NaN/Inf points not drawn)" : name;
        return chart.addSeries(label, java.util.Arrays.copyOf(fx, k), java.util.Arrays.copyOf(fy, k));
    }

    private static void noteOmitted(XYChart chart, List<String> omitted) {
        if (!omitted.isEmpty()) {
            chart.setTitle(chart.getTitle() + " [not drawn, no finite value: " + String.join(", ", omitted) + "]");
        }
    }

    /** A heat map of a square matrix {@code m [rows][cols]} with values printed in the cells. */
    public static byte[] heatMap(String title, double[][] m) {
        int rows = m.length;
        int cols = m[0].length;
        List<Integer> xs = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        for (int j = 0; j < cols; j++) {
            xs.add(j);
        }
        for (int i = 0; i < rows; i++) {
            ys.add(i);
        }
        double max = 1e-12;
        List<Number[]> cells = new ArrayList<>();
        int blank = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (!Double.isFinite(m[i][j])) {
                    blank++; // left blank: XChart cannot colour NaN or ±∞
                    continue;
                }
                // row 0 at the top
                cells.add(new Number[] {j, rows - 1 - i, m[i][j]});
                max = Math.max(max, Math.abs(m[i][j]));
            }
        }
        if (cells.isEmpty()) {
            XYChart empty = new XYChartBuilder().width(560).height(200).title(title + ": no finite value to draw")
                    .build();
            empty.getStyler().setChartBackgroundColor(Color.WHITE);
            return png(empty);
        }
        if (blank > 0) {
            title = title + " (" + blank + " NaN/Inf cells blank)";
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(560).height(480).title(title).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setRangeColors(new Color[] {new Color(49, 54, 149), Color.WHITE, new Color(165, 0, 38)});
        chart.getStyler().setMin(-max);
        chart.getStyler().setMax(max);
        chart.getStyler().setShowValue(rows <= 12);
        chart.getStyler().setHeatMapValueDecimalPattern("0.00");
        chart.getStyler().setLegendVisible(false);
        List<Integer> yLabels = new ArrayList<>();
        for (int i = rows - 1; i >= 0; i--) {
            yLabels.add(i);
        }
        chart.addSeries(title, xs, yLabels, cells);
        return png(chart);
    }

    private static byte[] png(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render figure: " + e.getMessage(), e);
        }
    }
}
