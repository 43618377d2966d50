package org.descent.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.descent.util.Json;
import org.descent.util.Npz;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.hipparchus.distribution.continuous.NormalDistribution;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gaussian-mixture family: labels, class means, class noise, and the Bayes classifiers' closed-form accuracy. */
class GaussianMixtureSamplerTest {
    /** Allowed deviation of an empirical mean or proportion, in standard errors. */
    private static final double STANDARD_ERRORS = 5.0;
    /** Float32 tolerance of the Mahalanobis norm of a sampled class mean. */
    private static final double FLOAT_TOLERANCE = 1e-5;
    private static final NormalDistribution PHI = new NormalDistribution(0, 1);
    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static TaskConfig anisotropic(int d, int n, double r) {
        return TaskConfig.gaussian(d, n, CovarianceSpec.ofEigenvalues(new double[] {0.5, 1, 2}, 3L), 0)
                .withFamily(TaskConfig.FAMILY_GAUSSIAN_MIXTURE, null).withClassSeparation(r);
    }

    @Test
    void configDefaultsValidatesAndRoundTrips() throws Exception {
        TaskConfig t = TaskConfig.defaults().withFamily(TaskConfig.FAMILY_GAUSSIAN_MIXTURE, null);
        assertEquals(TaskConfig.GAUSSIAN, t.inputs(), "uniform inputs become Gaussian class noise");
        assertEquals(1.0, t.inputScale());
        assertEquals(TaskConfig.DEFAULT_CLASS_SEPARATION, t.classSeparation());
        assertTrue(t.isClassification());
        assertFalse(TaskConfig.defaults().isClassification());
        TaskConfig back = Json.mapper().readValue(Json.write(anisotropic(3, 5, 2.0)), TaskConfig.class);
        assertEquals(anisotropic(3, 5, 2.0), back);
        assertFalse(Json.write(TaskConfig.defaults()).contains("classSeparation"), "regression JSON is unchanged");
        TaskConfig fromJson = Json.mapper().readValue(
                "{\"d\":2,\"n\":3,\"inputScale\":1,\"noise\":0,\"family\":\"gaussian-mixture\"}", TaskConfig.class);
        assertEquals(TaskConfig.GAUSSIAN, fromJson.inputs(), "the family's inputs default to gaussian");
        String msg = assertThrows(IllegalArgumentException.class, () -> t.withNoise(0.1)).getMessage();
        assertTrue(msg.contains("noise = 0"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> t.withInputs(TaskConfig.UNIFORM, 1)).getMessage();
        assertTrue(msg.contains("needs inputs \"gaussian\""), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> t.withClassSeparation(0)).getMessage();
        assertTrue(msg.contains("classSeparation must be a positive"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> TaskConfig.defaults().withClassSeparation(1))
                .getMessage();
        assertTrue(msg.contains("only applies to family \"gaussian-mixture\""), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> t.withResponse(TaskConfig.RESPONSE_TANH)).getMessage();
        assertTrue(msg.contains("response"), msg);
        assertInstanceOf(GaussianMixtureSampler.class, TaskSamplers.forTask(t));
        assertEquals(java.util.List.of("mu"), TaskTruth.names(t));
    }

    @Test
    void labelsArePlusMinusOneBalancedAndLaidOutAsTheStandardPrompt() {
        TaskConfig t = anisotropic(3, 10, 1.0);
        PromptSet p = TaskSamplers.forTask(t).samplePromptSet(manager, 3000, 11);
        double sum = 0;
        int count = 0;
        for (int b = 0; b < p.size(); b++) {
            for (int i = 0; i < t.n(); i++) {
                double y = p.y(b, i);
                assertTrue(y == 1.0 || y == -1.0, "context label " + y);
                sum += y;
                count++;
            }
            assertTrue(p.y(b, t.n()) == 0.0, "the query's label slot is zero");
            assertTrue(p.target(b) == 1.0 || p.target(b) == -1.0);
            sum += p.target(b);
            count++;
        }
        assertEquals(0.0, sum / count, STANDARD_ERRORS / Math.sqrt(count), "labels are balanced in expectation");
        PromptSet again = TaskSamplers.forTask(t).samplePromptSet(manager, 3000, 11);
        assertArrayEquals(p.flatTokens(), again.flatTokens(), 0.0, "same seed, same prompts");
        assertFalse(java.util.Arrays.equals(p.flatTokens(),
                TaskSamplers.forTask(t).samplePromptSet(manager, 3000, 12).flatTokens()));
    }

    @Test
    void classMeansHaveMahalanobisNormRAndTheNoiseHasCovarianceLambda() {
        double r = 1.5;
        TaskConfig t = anisotropic(3, 8, r);
        int count = 2000;
        TaskTruth.Recorded<PromptSet> rec = TaskTruth.record(
                () -> TaskSamplers.forTask(t).samplePromptSet(manager, count, 4));
        PromptSet p = rec.value();
        Npz.Array mu = rec.parameters().get("mu");
        assertArrayEquals(new long[] {count, 3}, mu.shape());
        float[] m = mu.floats();
        DMatrixRMaj lambda = t.inputCovariance();
        DMatrixRMaj lambdaInv = new DMatrixRMaj(3, 3);
        CommonOps_DDRM.invert(lambda, lambdaInv);
        DMatrixRMaj noiseCov = new DMatrixRMaj(3, 3);
        double[] noiseMean = new double[3];
        int rows = 0;
        for (int b = 0; b < count; b++) {
            double q = 0;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    q += m[b * 3 + i] * lambdaInv.get(i, j) * m[b * 3 + j];
                }
            }
            assertEquals(r, Math.sqrt(q), FLOAT_TOLERANCE * r * 10, "‖μ‖_Λ⁻¹ of prompt " + b);
            for (int i = 0; i < t.n(); i++) {
                double[] e = new double[3];
                for (int k = 0; k < 3; k++) {
                    e[k] = p.x(b, i, k) - p.y(b, i) * m[b * 3 + k]; // the class noise Λ^{1/2} z
                    noiseMean[k] += e[k];
                }
                for (int k = 0; k < 3; k++) {
                    for (int l = 0; l < 3; l++) {
                        noiseCov.add(k, l, e[k] * e[l]);
                    }
                }
                rows++;
            }
        }
        for (int k = 0; k < 3; k++) {
            double sdMean = Math.sqrt(lambda.get(k, k) / rows);
            assertEquals(0.0, noiseMean[k] / rows, STANDARD_ERRORS * sdMean, "noise mean " + k);
            for (int l = 0; l < 3; l++) {
                double sd = Math.sqrt((lambda.get(k, k) * lambda.get(l, l) + lambda.get(k, l) * lambda.get(k, l))
                        / rows);
                assertEquals(lambda.get(k, l), noiseCov.get(k, l) / rows, STANDARD_ERRORS * sd, "Λ[" + k + "," + l
                        + "]");
            }
        }
    }

    /** Knowing μ, the Bayes classifier sign(μᵀΛ⁻¹x) is right with probability Φ(r). */
    @Test
    void bayesClassifierWithKnownMeanHasAccuracyPhiOfR() {
        double r = 0.8;
        TaskConfig t = anisotropic(3, 2, r);
        int count = 20000;
        TaskTruth.Recorded<PromptSet> rec = TaskTruth.record(
                () -> TaskSamplers.forTask(t).samplePromptSet(manager, count, 9));
        PromptSet p = rec.value();
        float[] m = rec.parameters().get("mu").floats();
        DMatrixRMaj lambdaInv = new DMatrixRMaj(3, 3);
        CommonOps_DDRM.invert(t.inputCovariance(), lambdaInv);
        int right = 0;
        for (int b = 0; b < count; b++) {
            double s = 0;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    s += m[b * 3 + i] * lambdaInv.get(i, j) * p.xq(b, j);
                }
            }
            right += Math.signum(s) == p.target(b) ? 1 : 0;
        }
        double expected = PHI.cumulativeProbability(r);
        assertEquals(expected, (double) right / count, STANDARD_ERRORS * Math.sqrt(expected * (1 - expected) / count));
    }

    /**
     * In d = 1 the in-context Bayes classifier sign(x_q Σ y_i x_i) is right with probability
     * Φ(r)Φ(√N r) + (1 − Φ(r))(1 − Φ(√N r)) (the query and the context mean each land on μ's side or not).
     */
    @Test
    void inContextBayesClassifierMatchesItsClosedFormInOneDimension() {
        double r = 0.7;
        int n = 4;
        TaskConfig t = new TaskConfig(1, n, TaskConfig.GAUSSIAN, 2.0, 0, null, null, TaskConfig.FAMILY_GAUSSIAN_MIXTURE,
                null, null, null, null, r);
        int count = 20000;
        PromptSet p = TaskSamplers.forTask(t).samplePromptSet(manager, count, 21);
        int right = 0;
        for (int b = 0; b < count; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += p.y(b, i) * p.x(b, i, 0);
            }
            right += Math.signum(s * p.xq(b, 0)) == p.target(b) ? 1 : 0;
        }
        double a = PHI.cumulativeProbability(r);
        double c = PHI.cumulativeProbability(Math.sqrt(n) * r);
        double expected = a * c + (1 - a) * (1 - c);
        assertEquals(expected, (double) right / count, STANDARD_ERRORS * Math.sqrt(expected * (1 - expected) / count));
        assertTrue(expected < a, "the context's uncertainty costs accuracy against Φ(r)");
    }
}
