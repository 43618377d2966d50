package org.descent.probe;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * A closed-form least-squares read-out with an intercept, {@code ŷ = c₀ + cᵀ r}, from residual-stream vectors r to
 * labels (Fu et al. 2023's per-layer linear probes), solved in EJML double precision with a column-pivoted QR
 * pseudo-inverse so that constant or collinear features (e.g. an unused coordinate) do no harm.
 *
 * <p>Dimension glossary: {@code P} rows (prompt × position pairs), {@code D_h} features.
 *
 * @param intercept c₀
 * @param coefficients c, {@code [D_h]}
 */
public record LinearReadout(double intercept, double[] coefficients) {

    public LinearReadout {
        coefficients = coefficients.clone();
    }

    @Override
    public double[] coefficients() {
        return coefficients.clone();
    }

    /**
     * Fits the read-out.
     *
     * @param features {@code [P][D_h]}
     * @param labels {@code [P]}
     */
    public static LinearReadout fit(double[][] features, double[] labels) {
        return fitAll(features, new double[][] {labels})[0];
    }

    /**
     * Fits one read-out per target from the same features, sharing one decomposition (e.g. a layer decoded to
     * every iterate of an algorithm).
     *
     * @param features {@code [P][D_h]}
     * @param targets {@code [T][P]}
     * @return {@code [T]} read-outs
     */
    public static LinearReadout[] fitAll(double[][] features, double[][] targets) {
        int p = features.length;
        for (double[] labels : targets) {
            if (p == 0 || p != labels.length) {
                throw new IllegalArgumentException("read-out: " + p + " feature rows for " + labels.length
                        + " labels");
            }
        }
        int w = features[0].length;
        if (p <= w + 1) {
            throw new IllegalArgumentException("read-out: " + p + " rows cannot fit " + (w + 1)
                    + " coefficients out of sample; use more prompts");
        }
        int nt = targets.length;
        DMatrixRMaj a = new DMatrixRMaj(p, w + 1); // [P, 1 + D_h]
        DMatrixRMaj y = new DMatrixRMaj(p, nt); // [P, T]
        for (int i = 0; i < p; i++) {
            a.set(i, 0, 1.0);
            for (int j = 0; j < w; j++) {
                a.set(i, j + 1, features[i][j]);
            }
            for (int t = 0; t < nt; t++) {
                y.set(i, t, targets[t][i]);
            }
        }
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.pseudoInverse(true);
        if (!solver.setA(a)) {
            throw new IllegalStateException("read-out: least squares failed");
        }
        DMatrixRMaj c = new DMatrixRMaj(w + 1, nt);
        solver.solve(y, c);
        LinearReadout[] out = new LinearReadout[nt];
        for (int t = 0; t < nt; t++) {
            double[] coef = new double[w];
            for (int j = 0; j < w; j++) {
                coef[j] = c.get(j + 1, t);
            }
            out[t] = new LinearReadout(c.get(0, t), coef);
        }
        return out;
    }

    /** The read-out of one vector {@code [D_h]}. */
    public double apply(double[] r) {
        if (r.length != coefficients.length) {
            throw new IllegalArgumentException("read-out of width " + coefficients.length + " applied to "
                    + r.length + " features");
        }
        double s = intercept;
        for (int j = 0; j < r.length; j++) {
            s += coefficients[j] * r[j];
        }
        return s;
    }

    /** The read-out of every row of {@code rows [P][D_h]}, {@code [P]}. */
    public static double[] applyAll(LinearReadout r, double[][] rows) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = r.apply(rows[i]);
        }
        return out;
    }
}
