package org.descent.compare;

/**
 * The metric definitions of the README's contracts on precomputed predictions and sensitivities, in double precision.
 *
 * <p>Dimension glossary: {@code B} prompts, {@code d} input dimension; predictions {@code [B]}, Jacobians
 * {@code [B][d]} (row b is ∂ŷ_b/∂x_q).
 */
public final class PredictionMetrics {
    private PredictionMetrics() {}

    private static void sameLength(int a, int b) {
        if (a != b || a == 0) {
            throw new IllegalArgumentException("metrics need two non-empty arrays of the same length, got " + a
                    + " and " + b);
        }
    }

    /** Mean squared error {@code mean((ŷ − y)²)} (no ½). */
    public static double mse(double[] preds, double[] targets) {
        sameLength(preds.length, targets.length);
        double s = 0;
        for (int i = 0; i < preds.length; i++) {
            double r = preds[i] - targets[i];
            s += r * r;
        }
        return s / preds.length;
    }

    /** Preds diff: {@code mean |ŷ_A − ŷ_B|}. */
    public static double predsDiff(double[] a, double[] b) {
        sameLength(a.length, b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s / a.length;
    }

    /** Root-mean-square prediction difference; its square is SPD(A, B). */
    public static double predsRms(double[] a, double[] b) {
        return Math.sqrt(mse(a, b));
    }

    /** Model diff: {@code mean_b ‖J_A[b] − J_B[b]‖₂}. */
    public static double modelDiff(double[][] ja, double[][] jb) {
        sameLength(ja.length, jb.length);
        double s = 0;
        for (int b = 0; b < ja.length; b++) {
            double sq = 0;
            for (int k = 0; k < ja[b].length; k++) {
                double r = ja[b][k] - jb[b][k];
                sq += r * r;
            }
            s += Math.sqrt(sq);
        }
        return s / ja.length;
    }

    /** Model cos: mean per-prompt cosine similarity of the two Jacobians (a zero Jacobian counts as cosine 0). */
    public static double modelCos(double[][] ja, double[][] jb) {
        double[] c = cosines(ja, jb);
        double s = 0;
        for (double v : c) {
            s += v;
        }
        return s / c.length;
    }

    /** Cosine similarity of two vectors; 0 when either is zero. */
    public static double cosine(double[] a, double[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int k = 0; k < a.length; k++) {
            dot += a[k] * b[k];
            na += a[k] * a[k];
            nb += b[k] * b[k];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** Per-prompt squared errors {@code (ŷ − y)²}, for bootstrap intervals. */
    public static double[] squaredErrors(double[] preds, double[] targets) {
        sameLength(preds.length, targets.length);
        double[] out = new double[preds.length];
        for (int i = 0; i < preds.length; i++) {
            double r = preds[i] - targets[i];
            out[i] = r * r;
        }
        return out;
    }

    /** Per-prompt {@code |ŷ_A − ŷ_B|}, whose mean is preds diff. */
    public static double[] absoluteDifferences(double[] a, double[] b) {
        sameLength(a.length, b.length);
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.abs(a[i] - b[i]);
        }
        return out;
    }

    /** Per-prompt cosine of two Jacobians, whose mean is model cos. */
    public static double[] cosines(double[][] ja, double[][] jb) {
        sameLength(ja.length, jb.length);
        double[] out = new double[ja.length];
        for (int b = 0; b < ja.length; b++) {
            out[b] = cosine(ja[b], jb[b]);
        }
        return out;
    }
}
