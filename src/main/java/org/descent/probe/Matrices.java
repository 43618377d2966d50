package org.descent.probe;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/** Small matrix helpers for probe metrics and reports (JSON rows, relative errors). */
public final class Matrices {
    private Matrices() {}

    /** A matrix as rows {@code [rows][cols]}, for JSON and heat maps. */
    public static double[][] rows(DMatrixRMaj m) {
        double[][] out = new double[m.numRows][m.numCols];
        for (int i = 0; i < m.numRows; i++) {
            for (int j = 0; j < m.numCols; j++) {
                out[i][j] = m.get(i, j);
            }
        }
        return out;
    }

    /** {@code ‖a − b‖_F / ‖b‖_F} (NaN when b is zero). */
    public static double relativeError(DMatrixRMaj a, DMatrixRMaj b) {
        if (a.numRows != b.numRows || a.numCols != b.numCols) {
            throw new IllegalArgumentException("relative error of a " + a.numRows + "x" + a.numCols + " and a "
                    + b.numRows + "x" + b.numCols + " matrix");
        }
        double nb = NormOps_DDRM.normF(b);
        if (nb == 0) {
            return Double.NaN;
        }
        DMatrixRMaj diff = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, diff);
        return NormOps_DDRM.normF(diff) / nb;
    }
}
