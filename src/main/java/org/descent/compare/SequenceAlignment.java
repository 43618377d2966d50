package org.descent.compare;

/**
 * How closely two next-token predictors agree, position by position, on the same sequences.
 *
 * <p>Dimension glossary: B sequences, T positions, d token dimension; predictions {@code [B][T][d]}, position t
 * (1-based) at index t − 1. Position 1 is skipped everywhere (no context pair: every in-context predictor outputs 0).
 *
 * @param relativeSpdByPosition {@code [T]}: {@code Σ_b ‖a_{b,t} − b_{b,t}‖² / Σ_b ‖a_{b,t}‖²} (NaN at t = 1)
 * @param cosByPosition {@code [T]}: the mean over sequences of cos(a_{b,t}, b_{b,t}) (NaN at t = 1)
 * @param squaredDifference {@code [B]}: {@code Σ_{t≥2} ‖a_{b,t} − b_{b,t}‖²} per sequence (for ratio statistics)
 * @param squaredNorm {@code [B]}: {@code Σ_{t≥2} ‖a_{b,t}‖²} per sequence
 * @param cos {@code [B]}: the mean over t ≥ 2 of cos(a_{b,t}, b_{b,t}) per sequence
 */
public record SequenceAlignment(double[] relativeSpdByPosition, double[] cosByPosition, double[] squaredDifference,
        double[] squaredNorm, double[] cos) {

    /** Compares {@code a} (the reference, e.g. the trained model) with {@code b}. */
    public static SequenceAlignment of(double[][][] a, double[][][] b) {
        int nb = a.length;
        int nt = a[0].length;
        double[] num = new double[nt];
        double[] den = new double[nt];
        double[] cosT = new double[nt];
        double[] sd = new double[nb];
        double[] sn = new double[nb];
        double[] cs = new double[nb];
        for (int q = 0; q < nb; q++) {
            for (int t = 1; t < nt; t++) {
                double diff = 0;
                double aa = 0;
                double bb = 0;
                double ab = 0;
                for (int j = 0; j < a[q][t].length; j++) {
                    double x = a[q][t][j];
                    double y = b[q][t][j];
                    diff += (x - y) * (x - y);
                    aa += x * x;
                    bb += y * y;
                    ab += x * y;
                }
                double c = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
                num[t] += diff;
                den[t] += aa;
                cosT[t] += c / nb;
                sd[q] += diff;
                sn[q] += aa;
                cs[q] += c / (nt - 1);
            }
        }
        double[] rel = new double[nt];
        rel[0] = Double.NaN;
        cosT[0] = Double.NaN;
        for (int t = 1; t < nt; t++) {
            rel[t] = num[t] / den[t];
        }
        return new SequenceAlignment(rel, cosT, sd, sn, cs);
    }

    /** The pooled relative SPD over sequences and positions t ≥ 2. */
    public double relativeSpd() {
        double n = 0;
        double d = 0;
        for (int i = 0; i < squaredDifference.length; i++) {
            n += squaredDifference[i];
            d += squaredNorm[i];
        }
        return n / d;
    }

    /** The mean cosine over sequences and positions t ≥ 2. */
    public double meanCos() {
        double s = 0;
        for (double c : cos) {
            s += c;
        }
        return s / cos.length;
    }

    /** Per-sequence mean squared error {@code Σ_{t≥2} ‖p_{b,t} − y_{b,t}‖² / ((T − 1) d)} of predictions p. */
    public static double[] squaredErrors(double[][][] p, double[][][] y) {
        double[] out = new double[p.length];
        for (int q = 0; q < p.length; q++) {
            double s = 0;
            int count = 0;
            for (int t = 1; t < p[q].length; t++) {
                for (int j = 0; j < p[q][t].length; j++) {
                    double e = p[q][t][j] - y[q][t][j];
                    s += e * e;
                    count++;
                }
            }
            out[q] = s / count;
        }
        return out;
    }
}
