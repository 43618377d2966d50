package org.descent.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.descent.util.Json;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** TaskConfig: defaults, JSON round trips, strict keys, and one-line validation errors naming the problem. */
class TaskConfigTest {
    private static final double EXACT = 1e-12;

    private static String error(Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }

    private static TaskConfig roundTrip(TaskConfig task) throws Exception {
        String json = Json.write(task);
        return Json.mapper().readValue(json, TaskConfig.class);
    }

    @Test
    void fiveFieldConstructorKeepsTheOldTask() throws Exception {
        TaskConfig t = TaskConfig.defaults();
        assertEquals(new TaskConfig(10, 10, "uniform", 1.0, 0.0), t);
        assertEquals(TaskConfig.FAMILY_LINEAR, t.family());
        assertEquals(TaskConfig.RESPONSE_LINEAR, t.response());
        assertEquals(TaskConfig.PRIOR_ISOTROPIC, t.weightPrior());
        assertNull(t.covariance());
        assertNull(t.sparsity());
        assertTrue(t.isLinearRegression());
        // an old five-key JSON still reads
        TaskConfig old = Json.mapper().readValue(
                "{\"d\": 3, \"n\": 7, \"inputs\": \"gaussian\", \"inputScale\": 2.0, \"noise\": 0.1}", TaskConfig.class);
        assertEquals(new TaskConfig(3, 7, "gaussian", 2.0, 0.1), old);
        String json = Json.write(t);
        assertFalse(json.contains("covariance") || json.contains("sparsity") || json.contains("tokenDim"), json);
    }

    @Test
    void jsonRoundTripsEveryVariant() throws Exception {
        TaskConfig[] tasks = {
            TaskConfig.defaults(),
            TaskConfig.gaussian(3, 5, CovarianceSpec.ofEigenvalues(new double[] {0.5, 1, 2}, 7L), 0.1),
            TaskConfig.gaussian(2, 5, CovarianceSpec.ofMatrix(new double[][] {{2, 0.5}, {0.5, 1}}), 0)
                    .withWeightPrior(TaskConfig.PRIOR_INVERSE_COVARIANCE).withResponse(TaskConfig.RESPONSE_TANH),
            TaskConfig.defaults().withFamily(TaskConfig.FAMILY_SPARSE_LINEAR, 4),
            TaskConfig.defaults().withFamily(TaskConfig.FAMILY_RELU_NETWORK, null),
            TaskConfig.defaults().withFamily(TaskConfig.FAMILY_DECISION_TREE, 3),
        };
        for (TaskConfig t : tasks) {
            assertEquals(t, roundTrip(t), "round trip of " + Json.write(t));
        }
        assertEquals(100, tasks[4].hiddenWidth());
        assertEquals(3, tasks[5].treeDepth());
        assertEquals(4, tasks[3].sparsity());
    }

    @Test
    void unknownKeysAreRejectedAtEveryLevel() {
        assertThrows(UnrecognizedPropertyException.class, () -> Json.mapper().readValue(
                "{\"d\": 3, \"n\": 7, \"inputScale\": 1, \"noise\": 0, \"inputz\": \"gaussian\"}", TaskConfig.class));
        assertThrows(UnrecognizedPropertyException.class, () -> Json.mapper().readValue(
                "{\"d\": 2, \"n\": 7, \"inputs\": \"gaussian\", \"inputScale\": 1, \"noise\": 0,"
                        + " \"covariance\": {\"eigenvalues\": [1, 2], \"seed\": 3}}", TaskConfig.class));
    }

    @Test
    void validationErrorsNameTheProblem() {
        String msg = error(() -> TaskConfig.gaussian(2, 5, CovarianceSpec.ofMatrix(new double[][] {{1, 0.5}, {0.2, 1}}),
                0));
        assertTrue(msg.contains("not symmetric") && msg.contains("(0, 1) = 0.5") && msg.contains("(1, 0) = 0.2"), msg);
        msg = error(() -> CovarianceSpec.ofMatrix(new double[][] {{1, 2}, {2, 1}})); // eigenvalues 3, −1
        assertEquals("task: covariance is not positive definite: smallest eigenvalue -1", msg);
        msg = error(() -> CovarianceSpec.ofEigenvalues(new double[] {1, -0.3}, null));
        assertEquals("task: covariance is not positive definite: smallest eigenvalue -0.3", msg);
        msg = error(() -> TaskConfig.gaussian(3, 5, CovarianceSpec.ofEigenvalues(new double[] {1, 2}, 1L), 0));
        assertEquals("task: covariance is 2x2 but d = 3", msg);
        msg = error(() -> CovarianceSpec.ofMatrix(new double[][] {{1, 0}, {0}}));
        assertTrue(msg.contains("not square"), msg);
        msg = error(() -> new CovarianceSpec(new double[] {1}, null, new double[][] {{1}}, null));
        assertTrue(msg.contains("exactly one of"), msg);
        msg = error(() -> new CovarianceSpec(null, 3L, new double[][] {{1}}, null));
        assertTrue(msg.contains("rotationSeed"), msg);
        msg = error(() -> TaskConfig.defaults().withFamily(TaskConfig.FAMILY_SPARSE_LINEAR, 11));
        assertEquals("task: sparsity k = 11 exceeds d = 10 (a k-sparse w needs 1 <= k <= d)", msg);
        msg = error(() -> TaskConfig.defaults().withD(2).withFamily(TaskConfig.FAMILY_SPARSE_LINEAR, null));
        assertTrue(msg.contains("sparsity k = 3 exceeds d = 2"), msg);
        msg = error(() -> TaskConfig.defaults().withFamily(TaskConfig.FAMILY_DECISION_TREE, null)
                .withResponse(TaskConfig.RESPONSE_TANH));
        assertTrue(msg.contains("response \"tanh\" only applies"), msg);
        msg = error(() -> TaskConfig.defaults().withFamily(TaskConfig.FAMILY_SPARSE_LINEAR, 2)
                .withWeightPrior(TaskConfig.PRIOR_INVERSE_COVARIANCE));
        assertTrue(msg.contains("weightPrior \"inverse-covariance\" only applies"), msg);
        msg = error(() -> new TaskConfig(3, 5, "gaussian", 2.0, 0, CovarianceSpec.ofEigenvalues(new double[] {1, 1, 1},
                null), null, null, null, null, null, null));
        assertTrue(msg.contains("inputScale must be 1"), msg);
        msg = error(() -> new TaskConfig(3, 5, "uniform", 1.0, 0, CovarianceSpec.ofEigenvalues(new double[] {1, 1, 1},
                null), null, null, null, null, null, null));
        assertTrue(msg.contains("needs inputs \"gaussian\""), msg);
        msg = error(() -> new TaskConfig(3, 5, null, 1.0, 0, null, null, "quadratic", null, null, null, null));
        assertTrue(msg.contains("family must be one of"), msg);
        msg = error(() -> new TaskConfig(3, 5, null, 1.0, 0, null, null, null, null, 2, null, null));
        assertTrue(msg.contains("sparsity only applies to family \"sparse-linear\""), msg);
        msg = error(() -> TaskConfig.defaults().withFamily(TaskConfig.FAMILY_DECISION_TREE, 0));
        assertTrue(msg.contains("treeDepth must be in 1..16"), msg);
        for (String m : new String[] {msg}) {
            assertFalse(m.contains("\n"), "one-line message: " + m);
        }
    }

    @Test
    void eigenvaluesUnderARotationGiveThatSpectrum() {
        double[] eig = {0.2, 0.5, 1.0, 4.0};
        DMatrixRMaj sigma = CovarianceSpec.ofEigenvalues(eig, 99L).toMatrix();
        double[] got = CovarianceSpec.symmetricEigenvalues(sigma);
        assertArrayEquals(eig, got, 1e-12, "spectrum of Q diag(λ) Qᵀ");
        assertTrue(Math.abs(sigma.get(0, 1)) > 1e-3, "a seeded rotation mixes the axes");
        DMatrixRMaj q = RandomRotation.orthogonal(6, 5L);
        assertTrue(RandomRotation.orthogonalityError(q) < 1e-14, "QᵀQ = I");
        assertEquals(RandomRotation.orthogonal(6, 5L).get(2, 3), q.get(2, 3), 0.0, "same seed, same rotation");
        DMatrixRMaj diagonal = CovarianceSpec.ofEigenvalues(eig, null).toMatrix();
        assertEquals(4.0, diagonal.get(3, 3), 0.0, "no seed: axis-aligned");
    }

    @Test
    void covarianceAndFactorOfEveryInputKind() {
        TaskConfig uniform = new TaskConfig(3, 4, "uniform", 2.0, 0);
        DMatrixRMaj expected = CommonOps_DDRM.identity(3);
        CommonOps_DDRM.scale(4.0 / 3, expected);
        assertTrue(maxDiff(uniform.inputCovariance(), expected) < EXACT, "uniform: (a²/3) I");
        TaskConfig gaussian = new TaskConfig(3, 4, "gaussian", 2.0, 0);
        CommonOps_DDRM.scale(3.0, expected);
        assertTrue(maxDiff(gaussian.inputCovariance(), expected) < EXACT, "gaussian: a² I");
        TaskConfig aniso = TaskConfig.gaussian(3, 4, CovarianceSpec.ofEigenvalues(new double[] {0.5, 1, 3}, 4L), 0);
        DMatrixRMaj l = aniso.inputCovarianceFactor();
        assertEquals(0.0, l.get(0, 1), 0.0, "factor is lower triangular");
        DMatrixRMaj llt = new DMatrixRMaj(3, 3);
        CommonOps_DDRM.multTransB(l, l, llt);
        assertTrue(maxDiff(llt, aniso.inputCovariance()) < EXACT, "L Lᵀ = Σ");
        DMatrixRMaj omega = aniso.withWeightPrior(TaskConfig.PRIOR_INVERSE_COVARIANCE).weightCovariance();
        DMatrixRMaj product = new DMatrixRMaj(3, 3);
        CommonOps_DDRM.mult(omega, aniso.inputCovariance(), product);
        assertTrue(maxDiff(product, CommonOps_DDRM.identity(3)) < 1e-12, "Ω = Σ⁻¹");
        assertThrows(IllegalStateException.class, aniso::inputMoments);
    }

    @Test
    void covarianceFilesInJsonAndNpy(@TempDir Path dir) throws Exception {
        double[][] sigma = {{2, 0.5, 0}, {0.5, 1, 0.25}, {0, 0.25, 3}};
        Path json = dir.resolve("sigma.json");
        Files.writeString(json, "{\"covariance\": [[2, 0.5, 0], [0.5, 1, 0.25], [0, 0.25, 3]]}");
        Path f8 = NpyFiles.write(dir.resolve("sigma8.npy"), sigma, "<f8", false, 1);
        Path f4 = NpyFiles.write(dir.resolve("sigma4.npy"), sigma, "<f4", false, 1);
        Path fortran = NpyFiles.write(dir.resolve("sigmaF.npy"), sigma, "<f8", true, 2);
        for (Path p : new Path[] {json, f8, f4, fortran}) {
            TaskConfig t = TaskConfig.gaussian(3, 5, CovarianceSpec.ofFile(p.toString()), 0);
            assertTrue(maxDiff(t.inputCovariance(), new DMatrixRMaj(sigma)) < 1e-7, p + ": read back Σ");
            assertEquals(t, roundTrip(t), p + ": JSON round trip");
        }
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"covariance\": [[1, 0], [0, 1]], \"mean\": [0, 0]}");
        String msg = error(() -> CovarianceSpec.ofFile(bad.toString()));
        assertTrue(msg.contains("unknown key \"mean\""), msg);
        Path nonPd = NpyFiles.write(dir.resolve("nonpd.npy"), new double[][] {{1, 2}, {2, 1}}, "<f8", false, 1);
        msg = error(() -> CovarianceSpec.ofFile(nonPd.toString()));
        assertTrue(msg.contains("is not positive definite: smallest eigenvalue -1"), msg);
        Path vector = NpyFiles.write(dir.resolve("vec.npy"), new double[][] {{1, 2}}, "<f8", false, 1);
        Files.write(vector, new String(Files.readAllBytes(vector), java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("(1, 2)", "(2,  )").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        msg = error(() -> CovarianceSpec.ofFile(vector.toString()));
        assertTrue(msg.contains("expected a 2-D array"), msg);
        Path ints = NpyFiles.write(dir.resolve("ints.npy"), new double[][] {{1}}, "<i8", false, 1);
        msg = error(() -> CovarianceSpec.ofFile(ints.toString()));
        assertTrue(msg.contains("unsupported dtype '<i8'"), msg);
        msg = error(() -> CovarianceSpec.ofFile(dir.resolve("missing.npy").toString()));
        assertTrue(msg.contains("no such file"), msg);
        msg = error(() -> TaskConfig.gaussian(4, 5, CovarianceSpec.ofFile(f8.toString()), 0));
        assertEquals("task: covariance is 3x3 but d = 4", msg);
        Path task = dir.resolve("task.json");
        Files.writeString(task, "{\"d\": 2, \"n\": 5, \"inputs\": \"gaussian\", \"inputScale\": 1, \"noise\": 0,"
                + " \"covariance\": {\"eigenvalues\": [1, -0.3], \"rotationSeed\": 4}}");
        msg = error(() -> Json.read(task, TaskConfig.class));
        assertTrue(msg.endsWith("task: covariance is not positive definite: smallest eigenvalue -0.3"), msg);
    }

    private static double maxDiff(DMatrixRMaj a, DMatrixRMaj b) {
        double m = 0;
        for (int i = 0; i < a.getNumElements(); i++) {
            m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
        }
        return m;
    }
}
