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

/** Figures for reports, rendered headless with XChart to PNG bytes. */
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
            for (int i = from; i < to; i++) {
                s += losses[i];
            }
            x[p] = to;
            y[p] = Math.max(s / (to - from), 1e-12);
        }
        XYChart chart = new XYChartBuilder().width(820).height(420).title("Training loss (MSE, no ½)")
                .xAxisTitle("step").yAxisTitle("loss").build();
        double lo = java.util.Arrays.stream(y).min().orElse(1);
        double hi = java.util.Arrays.stream(y).max().orElse(1);
        chart.getStyler().setYAxisLogarithmic(hi / lo > 20); // a log axis shows no ticks within one decade
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        XYSeries s = chart.addSeries("train loss" + (window > 1 ? " (mean of " + window + " steps)" : ""), x, y);
        s.setMarker(SeriesMarkers.NONE);
        for (Level level : levels) {
            XYSeries l = chart.addSeries(level.name(), new double[] {x[0], x[points - 1]},
                    new double[] {level.value(), level.value()});
            l.setMarker(SeriesMarkers.NONE);
        }
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
        for (Curve c : curves) {
            double[] y = c.y().clone();
            for (int i = 0; i < y.length; i++) {
                // exact zeros (OLS past k = d) cannot be drawn on a log axis
                y[i] = Math.min(yMax, Math.max(y[i], logY ? Math.max(yMin, LOG_FLOOR) : yMin));
            }
            chart.addSeries(c.name(), c.x(), y);
        }
        return png(chart);
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
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                // row 0 at the top
                cells.add(new Number[] {j, rows - 1 - i, m[i][j]});
                max = Math.max(max, Math.abs(m[i][j]));
            }
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
