package org.descent.probe.builtin;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.descent.compare.Bootstrap;
import org.descent.compare.PredictionMetrics;
import org.descent.report.Report;

/**
 * Per-prompt quantities the built-in probes bootstrap, and small formatting helpers. Dimension glossary: {@code B}
 * prompts, {@code d} input dimension; predictions {@code [B]}, Jacobians {@code [B][d]}.
 */
final class ProbeStatistics {
    private ProbeStatistics() {}

    /** Per-prompt squared differences {@code (a_b − r_b)²}: their mean is SPD(a, r). */
    static double[] squaredDifferences(double[] a, double[] r) {
        return PredictionMetrics.squaredErrors(a, r);
    }

    /** Per-prompt squares {@code r_b²}: their mean normalises SPD into a relative SPD. */
    static double[] squares(double[] r) {
        double[] out = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            out[i] = r[i] * r[i];
        }
        return out;
    }

    /** Per-prompt products {@code a_b r_b}. */
    static double[] products(double[] a, double[] r) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] * r[i];
        }
        return out;
    }

    /** Per-prompt squared deviations from the mean {@code (a_b − ā)²}: their mean is Var(a). */
    static double[] squaredDeviations(double[] a) {
        double mean = Arrays.stream(a).average().orElse(0);
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double e = a[i] - mean;
            out[i] = e * e;
        }
        return out;
    }

    /** Per-prompt cosines of two Jacobians (0 when either is zero), the terms of "model cos". */
    static double[] cosines(double[][] ja, double[][] jb) {
        return PredictionMetrics.cosines(ja, jb);
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double[] scaled(double[] a, double c) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = c * a[i];
        }
        return out;
    }

    /** An interval mapped through a decreasing function {@code x ↦ 1 − x} (e.g. 1 − R² to R²). */
    static Bootstrap.Interval oneMinus(Bootstrap.Interval ci) {
        return new Bootstrap.Interval(1 - ci.estimate(), 1 - ci.upper(), 1 - ci.lower(), ci.level(), ci.n());
    }

    /** Rows [B][·] restricted to {@code [from, to)}. */
    static double[][] rows(double[][] m, int from, int to) {
        return Arrays.copyOfRange(m, from, to);
    }

    /** Percentile interval of precomputed bootstrap replicates (linear interpolation between order statistics). */
    static Bootstrap.Interval percentile(double estimate, double[] replicates, double level) {
        double[] s = replicates.clone();
        Arrays.sort(s);
        double alpha = (1 - level) / 2;
        return new Bootstrap.Interval(estimate, quantile(s, alpha), quantile(s, 1 - alpha), level, s.length);
    }

    private static double quantile(double[] sorted, double q) {
        return Bootstrap.quantile(sorted, q);
    }

    static String num(double v) {
        return Report.num(v);
    }

    static String interval(Bootstrap.Interval ci) {
        return String.format(Locale.ROOT, "%s [%s, %s]", num(ci.estimate()), num(ci.lower()), num(ci.upper()));
    }

    static String join(List<String> parts) {
        return String.join(", ", parts);
    }
}
