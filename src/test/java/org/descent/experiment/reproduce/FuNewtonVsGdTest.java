package org.descent.experiment.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.descent.experiment.Workspace;
import org.descent.probe.AlgorithmIterates;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code fu-newton-vs-gd} preset: a shortened run (a tiny GPT-2, a few steps) produces every headline with an
 * interval, the probe's per-layer matches and a report; and the Iterative Newton iterates the layer-iterations probe
 * compares layers with equal an independent EJML computation of Iterative Newton on fixed prompts.
 */
class FuNewtonVsGdTest {

    @Test
    void shortenedPresetProducesEveryHeadlineWithAnIntervalAndAReport(@TempDir Path dir) throws Exception {
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        ReproductionReport.Outcome o;
        try (PresetRun run = new PresetRun(ws, List.of(0L), new PrintWriter(new StringWriter()),
                steps -> (s, l, lr) -> { })) {
            o = ReproductionReport.run(new FuNewtonVsGd(FuNewtonVsGd.SHORT), run);
        }
        List<String> keys = o.result().headlines().stream().map(Headline::key).toList();
        for (String k : List.of("newton_over_gd_log10_margin", "control.newton_over_gd_log10_margin",
                "newton_iteration_slope", "control.newton_iteration_slope", "excess_mse_over_ols_k_ge_d",
                "control.excess_mse_over_ols_k_ge_d")) {
            assertTrue(keys.contains(k), "headline " + k + " in " + keys);
        }
        for (Headline h : o.result().headlines()) {
            assertTrue(Double.isFinite(h.interval().lower()) && Double.isFinite(h.interval().upper()), h.toString());
            assertTrue(h.interval().lower() <= h.interval().estimate() + 1e-12
                    && h.interval().estimate() <= h.interval().upper() + 1e-12, h.toString());
            assertEquals("1 trained model", h.scope().label().substring(0, 15), h.toString());
        }
        long tested = o.result().headlines().stream().filter(h -> h.verdict() != null).count();
        assertEquals(3, tested, "three claims are tested: (a) margin, (b) Newton slope, (c) near OLS");
        assertNotNull(o.result().verdict());
        String md = Files.readString(o.report().resolve("report.md"));
        Files.writeString(Path.of(System.getProperty("java.io.tmpdir"), "fu-newton-vs-gd-short.md"), md);
        for (String s : List.of("## Claim", "Per layer: matched GD step and Newton iteration", "Newton RD",
                "Error vs k near d", "Probe layer-iterations", "Probe prefix-curves", "random-init")) {
            assertTrue(md.contains(s), "report has \"" + s + "\"");
        }
        assertTrue(Files.exists(o.report().resolve("metrics.json")));
        String manifest = Files.readString(o.report().resolve("manifest.json"));
        assertTrue(manifest.contains("model.safetensors"), "the GPT-2 checkpoint's weights are hashed");
        assertFalse(md.contains("NaN"), "no NaN in the report");
    }

    /**
     * The Newton oracle of the preset (the layer-iterations probe's {@link AlgorithmIterates#newton}) against
     * Iterative Newton written out with EJML: S = XᵀX/k, α = 1/λ_max(S)², M₀ = αS, M_{t+1} = 2M_t − M_t S M_t,
     * ŷ_t = x_qᵀ M_t Xᵀy/k; and its limit, min-norm OLS via the pseudo-inverse, for k &lt; d (rank-deficient) and k ≥ d.
     */
    @Test
    void newtonIteratesEqualAnEjmlIterativeNewton() {
        int d = FuNewtonVsGd.D;
        int[] iterations = {1, 2, 3, 5, 8, 40};
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int k : new int[] {3, d, FuNewtonVsGd.N}) {
                TaskConfig task = TaskConfig.gaussian(d, k, null, 0.0);
                PromptSet prompts = TaskSamplers.forTask(task).samplePromptSet(m, 4, 17 + k);
                double[][] got = AlgorithmIterates.newton(prompts, iterations);
                for (int b = 0; b < prompts.size(); b++) {
                    DMatrixRMaj x = new DMatrixRMaj(k, d);
                    DMatrixRMaj y = new DMatrixRMaj(k, 1);
                    for (int i = 0; i < k; i++) {
                        double[] xi = prompts.contextInputs(b)[i];
                        for (int c = 0; c < d; c++) {
                            x.set(i, c, xi[c]);
                        }
                        y.set(i, 0, prompts.y(b, i));
                    }
                    DMatrixRMaj s = new DMatrixRMaj(d, d);
                    CommonOps_DDRM.multTransA(x, x, s);
                    CommonOps_DDRM.scale(1.0 / k, s);
                    DMatrixRMaj h = new DMatrixRMaj(d, 1);
                    CommonOps_DDRM.multTransA(x, y, h);
                    CommonOps_DDRM.scale(1.0 / k, h);
                    EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, false, true);
                    assertTrue(eig.decompose(s.copy()));
                    double top = 0;
                    for (int i = 0; i < d; i++) {
                        top = Math.max(top, eig.getEigenvalue(i).getReal());
                    }
                    DMatrixRMaj mt = s.copy();
                    CommonOps_DDRM.scale(1 / (top * top), mt);
                    DMatrixRMaj q = new DMatrixRMaj(d, 1, true, prompts.query(b));
                    int t = 0;
                    for (int j = 0; j < iterations.length; j++) {
                        for (; t < iterations[j]; t++) {
                            DMatrixRMaj sm = new DMatrixRMaj(d, d);
                            DMatrixRMaj msm = new DMatrixRMaj(d, d);
                            CommonOps_DDRM.mult(s, mt, sm);
                            CommonOps_DDRM.mult(mt, sm, msm);
                            DMatrixRMaj next = mt.copy();
                            CommonOps_DDRM.scale(2, next);
                            CommonOps_DDRM.subtractEquals(next, msm);
                            mt = next;
                        }
                        DMatrixRMaj w = new DMatrixRMaj(d, 1);
                        CommonOps_DDRM.mult(mt, h, w);
                        double want = CommonOps_DDRM.dot(w, q);
                        assertEquals(want, got[j][b], 1e-10 * Math.max(1, Math.abs(want)),
                                "k = " + k + ", prompt " + b + ", iteration " + iterations[j]);
                    }
                    // the limit: min-norm OLS, x_qᵀ X⁺ y
                    DMatrixRMaj pinv = new DMatrixRMaj(d, k);
                    CommonOps_DDRM.pinv(x, pinv);
                    DMatrixRMaj wOls = new DMatrixRMaj(d, 1);
                    CommonOps_DDRM.mult(pinv, y, wOls);
                    double ols = CommonOps_DDRM.dot(wOls, q);
                    assertEquals(ols, got[iterations.length - 1][b], 1e-6 * Math.max(1, Math.abs(ols)),
                            "40 Newton iterations reach min-norm OLS (k = " + k + ")");
                }
            }
        }
    }
}
