package org.descent.task;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The covariance Σ ({@code [d, d]}, symmetric positive definite) of Gaussian inputs {@code x ~ N(0, Σ)}, given in
 * exactly one of three ways:
 * <ul>
 *   <li>{@code eigenvalues} (+ optional {@code rotationSeed}): {@code Σ = Q diag(λ) Qᵀ} with Q the seeded random
 *       orthogonal matrix of {@link RandomRotation#orthogonal}; without a seed Q = I (axis-aligned Σ);</li>
 *   <li>{@code matrix}: the matrix itself, row by row;</li>
 *   <li>{@code file}: a {@code .json} file {@code {"covariance": [[..], ..]}} or a 2-D float64/float32 {@code .npy}
 *       file (see {@link MatrixFiles}); a relative path is resolved against the working directory.</li>
 * </ul>
 * Validated on construction (symmetric within a relative tolerance of {@value #SYMMETRY_TOLERANCE}, positive
 * definite), so a spec that exists can always be sampled from. A file is re-read by {@link #toMatrix()}.
 *
 * @param eigenvalues the spectrum λ_1..λ_d of Σ, all positive; or null
 * @param rotationSeed seed of the rotation Q applied to {@code eigenvalues}; null means Q = I; only with eigenvalues
 * @param matrix Σ as {@code [d][d]} rows; or null
 * @param file path of a {@code .json} or {@code .npy} file holding Σ; or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record CovarianceSpec(double[] eigenvalues, Long rotationSeed, double[][] matrix, String file) {

    /** Largest allowed |Σ_ij − Σ_ji| relative to max |Σ_ij|; smaller asymmetries are averaged away. */
    public static final double SYMMETRY_TOLERANCE = 1e-6;
    /** Smallest allowed λ_min / λ_max; below it Σ counts as singular. */
    public static final double MIN_RELATIVE_EIGENVALUE = 1e-12;

    @JsonCreator
    public CovarianceSpec {
        int given = (eigenvalues != null ? 1 : 0) + (matrix != null ? 1 : 0) + (file != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("task: covariance needs exactly one of \"eigenvalues\", \"matrix\","
                    + " \"file\", got " + given);
        }
        if (rotationSeed != null && eigenvalues == null) {
            throw new IllegalArgumentException("task: covariance \"rotationSeed\" only applies with \"eigenvalues\"");
        }
        if (eigenvalues != null) {
            eigenvalues = eigenvalues.clone();
            if (eigenvalues.length == 0) {
                throw new IllegalArgumentException("task: covariance eigenvalues must not be empty");
            }
            double min = Double.POSITIVE_INFINITY;
            for (double l : eigenvalues) {
                if (!Double.isFinite(l)) {
                    throw new IllegalArgumentException("task: covariance eigenvalues must be finite, got " + l);
                }
                min = Math.min(min, l);
            }
            if (!(min > 0)) {
                throw new IllegalArgumentException("task: covariance is not positive definite: smallest eigenvalue "
                        + fmt(min));
            }
        }
        if (matrix != null) {
            matrix = validated(matrix, "covariance matrix");
        }
        if (file != null) {
            if (file.isBlank()) {
                throw new IllegalArgumentException("task: covariance file must not be blank");
            }
            validated(MatrixFiles.readCovariance(Path.of(file)), "covariance file " + file);
        }
    }

    /** Σ = diag(λ) rotated by the seeded orthogonal Q (no rotation when {@code rotationSeed} is null). */
    public static CovarianceSpec ofEigenvalues(double[] eigenvalues, Long rotationSeed) {
        return new CovarianceSpec(eigenvalues, rotationSeed, null, null);
    }

    /** Σ given explicitly as {@code [d][d]} rows. */
    public static CovarianceSpec ofMatrix(double[][] matrix) {
        return new CovarianceSpec(null, null, matrix, null);
    }

    /** Σ read from a {@code .json} or {@code .npy} file. */
    public static CovarianceSpec ofFile(String file) {
        return new CovarianceSpec(null, null, null, file);
    }

    @Override
    public double[] eigenvalues() {
        return eigenvalues == null ? null : eigenvalues.clone();
    }

    @Override
    public double[][] matrix() {
        return matrix == null ? null : deepCopy(matrix);
    }

    /** Input dimension d of Σ (reads the file when Σ comes from one). */
    @JsonIgnore
    public int dimension() {
        if (eigenvalues != null) {
            return eigenvalues.length;
        }
        return matrix != null ? matrix.length : toMatrix().numRows;
    }

    /** Σ as a fresh EJML matrix {@code [d, d]}, exactly symmetric. */
    @JsonIgnore
    public DMatrixRMaj toMatrix() {
        if (eigenvalues != null) {
            int d = eigenvalues.length;
            DMatrixRMaj q = rotationSeed == null ? CommonOps_DDRM.identity(d) : RandomRotation.orthogonal(d, rotationSeed);
            DMatrixRMaj ql = q.copy(); // Q diag(λ)
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    ql.set(i, j, q.get(i, j) * eigenvalues[j]);
                }
            }
            DMatrixRMaj sigma = new DMatrixRMaj(d, d);
            CommonOps_DDRM.multTransB(ql, q, sigma);
            symmetrise(sigma);
            return sigma;
        }
        double[][] rows = matrix != null ? matrix : validated(MatrixFiles.readCovariance(Path.of(file)),
                "covariance file " + file);
        return new DMatrixRMaj(rows);
    }

    /**
     * Checks that {@code m} is a square, finite, symmetric (within tolerance), positive definite matrix and returns
     * its exactly symmetrised copy; errors name {@code what} and the problem.
     */
    static double[][] validated(double[][] m, String what) {
        int d = m.length;
        if (d == 0) {
            throw new IllegalArgumentException("task: " + what + " is empty");
        }
        double maxAbs = 0;
        for (int i = 0; i < d; i++) {
            if (m[i] == null || m[i].length != d) {
                throw new IllegalArgumentException("task: " + what + " is not square: row " + i + " has "
                        + (m[i] == null ? 0 : m[i].length) + " entries, expected " + d);
            }
            for (double v : m[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("task: " + what + " has a non-finite entry " + v);
                }
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                if (Math.abs(m[i][j] - m[j][i]) > SYMMETRY_TOLERANCE * maxAbs) {
                    throw new IllegalArgumentException("task: " + what + " is not symmetric: entry (" + i + ", " + j
                            + ") = " + fmt(m[i][j]) + " but (" + j + ", " + i + ") = " + fmt(m[j][i]));
                }
            }
        }
        DMatrixRMaj sigma = new DMatrixRMaj(m);
        symmetrise(sigma);
        double[] eig = symmetricEigenvalues(sigma);
        double min = Arrays.stream(eig).min().orElseThrow();
        double max = Arrays.stream(eig).max().orElseThrow();
        if (!(min > MIN_RELATIVE_EIGENVALUE * Math.max(max, Double.MIN_NORMAL))) {
            throw new IllegalArgumentException("task: " + what.replace("covariance matrix", "covariance")
                    + " is not positive definite: smallest eigenvalue " + fmt(min));
        }
        double[][] out = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                out[i][j] = sigma.get(i, j);
            }
        }
        return out;
    }

    /** Eigenvalues of a symmetric matrix, ascending. */
    static double[] symmetricEigenvalues(DMatrixRMaj sym) {
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(sym.numRows, false, true);
        if (!eig.decompose(sym.copy())) {
            throw new IllegalArgumentException("task: eigen-decomposition of the covariance failed");
        }
        double[] out = new double[sym.numRows];
        for (int i = 0; i < out.length; i++) {
            out[i] = eig.getEigenvalue(i).getReal();
        }
        Arrays.sort(out);
        return out;
    }

    private static void symmetrise(DMatrixRMaj m) {
        for (int i = 0; i < m.numRows; i++) {
            for (int j = i + 1; j < m.numCols; j++) {
                double avg = 0.5 * (m.get(i, j) + m.get(j, i));
                m.set(i, j, avg);
                m.set(j, i, avg);
            }
        }
    }

    private static double[][] deepCopy(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
    }

    private static String fmt(double v) {
        return Numbers.format(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CovarianceSpec c && Arrays.equals(c.eigenvalues, eigenvalues)
                && Objects.equals(c.rotationSeed, rotationSeed) && Arrays.deepEquals(c.matrix, matrix)
                && Objects.equals(c.file, file);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(eigenvalues), rotationSeed, Arrays.deepHashCode(matrix), file);
    }

    @Override
    public String toString() {
        if (eigenvalues != null) {
            return "CovarianceSpec[eigenvalues=" + Arrays.toString(eigenvalues) + ", rotationSeed=" + rotationSeed + "]";
        }
        return matrix != null ? "CovarianceSpec[matrix " + matrix.length + "x" + matrix.length + "]"
                : "CovarianceSpec[file=" + file + "]";
    }
}
