package org.descent.task;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * Seeded random rotations: the orthogonal factor Q of the QR decomposition of a {@code [d, d]} matrix of standard
 * normals, with the signs of Q's columns fixed so that R has a positive diagonal. With that sign fix Q is Haar
 * distributed over the orthogonal group. The normals come from {@link java.util.Random}, whose algorithm is fixed by
 * the Java specification, so a seed names the same rotation on every JVM and machine.
 */
public final class RandomRotation {
    private RandomRotation() {}

    /** The orthogonal matrix {@code Q [d, d]} named by {@code seed}. */
    public static DMatrixRMaj orthogonal(int d, long seed) {
        if (d <= 0) {
            throw new IllegalArgumentException("rotation: d must be positive, got " + d);
        }
        Random rng = new Random(seed);
        DMatrixRMaj g = new DMatrixRMaj(d, d);
        for (int i = 0; i < d * d; i++) {
            g.data[i] = rng.nextGaussian();
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(d, d);
        if (!qr.decompose(g.copy())) {
            throw new IllegalStateException("rotation: QR decomposition failed for seed " + seed);
        }
        DMatrixRMaj q = qr.getQ(null, false);
        DMatrixRMaj r = qr.getR(null, false);
        for (int j = 0; j < d; j++) {
            if (r.get(j, j) < 0) {
                for (int i = 0; i < d; i++) {
                    q.set(i, j, -q.get(i, j));
                }
            }
        }
        return q;
    }

    /** Max-abs deviation of {@code QᵀQ} from the identity, for checks. */
    static double orthogonalityError(DMatrixRMaj q) {
        DMatrixRMaj qtq = new DMatrixRMaj(q.numCols, q.numCols);
        CommonOps_DDRM.multTransA(q, q, qtq);
        double err = 0;
        for (int i = 0; i < q.numCols; i++) {
            for (int j = 0; j < q.numCols; j++) {
                err = Math.max(err, Math.abs(qtq.get(i, j) - (i == j ? 1 : 0)));
            }
        }
        return err;
    }
}
