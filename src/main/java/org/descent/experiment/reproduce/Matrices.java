package org.descent.experiment.reproduce;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/** Small matrix conveniences for reports. */
final class Matrices {
    private Matrices() {}

    static double[][] toArray(DMatrixRMaj m) {
        double[][] out = new double[m.numRows][m.numCols];
        for (int i = 0; i < m.numRows; i++) {
            for (int j = 0; j < m.numCols; j++) {
                out[i][j] = m.get(i, j);
            }
        }
        return out;
    }

    /** ‖A − B‖_F / ‖B‖_F. */
    static double relativeError(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj diff = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.subtract(a, b, diff);
        return NormOps_DDRM.normF(diff) / NormOps_DDRM.normF(b);
    }
}
