package org.descent.experiment.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.descent.experiment.Workspace;
import org.descent.model.LoopedPreconditionerLsa;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.oracle.GdPlusPlusConstruction;
import org.descent.oracle.PreconditionedGdConstruction;
import org.descent.oracle.PreconditionerTheory;
import org.descent.task.PromptSet;
import org.descent.task.TaskConfig;
import org.descent.task.TaskSamplers;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code gatmiry-looped} preset: a shortened run completes, its constructions equal their oracles and the full
 * model's headlines carry no verdict; the shared-Γ verdict rule passes a looped PGD construction (the restricted model
 * with u = 0) and refuses an untied model whose layers use different Γ and a looped full-parameterisation layer (GD++);
 * the closed-form and u rules refuse a restricted model with an isotropic A on anisotropic data or a large u.
 */
class GatmiryLoopedTest {

    private static double pgdMse(PromptSet prompts, DMatrixRMaj inv, double c) {
        DMatrixRMaj g = inv.copy();
        CommonOps_DDRM.scale(c, g);
        return org.descent.compare.PredictionMetrics.mse(
                org.descent.oracle.SharedPreconditionerFit.predict(prompts, g, GatmiryLooped.LOOPS), prompts.targets());
    }

    @Test
    void shortenedPresetRunsAndItsConstructionEqualsItsOracle(@TempDir Path dir) throws Exception {
        Workspace ws = new Workspace(dir.resolve("models"), dir.resolve("reports"), Device.cpu());
        ReproductionReport.Outcome o;
        try (PresetRun run = new PresetRun(ws, List.of(0L), new PrintWriter(new StringWriter()),
                steps -> (s, l, lr) -> { })) {
            o = ReproductionReport.run(new GatmiryLooped(40, 40, 500, 400, 1000), run);
        }
        Headline construction = o.result().headlines().stream()
                .filter(h -> h.key().equals("construction_vs_oracle_max_diff")).findFirst().orElseThrow();
        assertEquals(Verdict.SUPPORTED, construction.verdict(), construction.toString());
        assertTrue(o.result().headlines().stream().anyMatch(h -> h.key().equals("anisotropic.extrapolated_mse_change")));
        assertTrue(o.result().headlines().stream().filter(h -> h.key().startsWith("full."))
                .allMatch(h -> h.verdict() == null), "part 2 (full parameterisation) is context, without verdicts");
        assertTrue(o.result().headlines().stream().anyMatch(h -> h.key().equals("anisotropic.gamma_error")
                && h.verdict() != null), "part 1 judges Γ against the closed form");
        String md = Files.readString(o.report().resolve("report.md"));
        assertTrue(md.contains("More loops than trained"), "extrapolation section");
        assertTrue(md.contains("beyond the theorem's setting"), "part 2 labelled");
        assertTrue(Files.exists(o.report().resolve("metrics.json")));
    }

    private static DMatrixRMaj diag(double... v) {
        DMatrixRMaj m = new DMatrixRMaj(v.length, v.length);
        for (int i = 0; i < v.length; i++) {
            m.set(i, i, v[i]);
        }
        return m;
    }

    private static Verdict verdict(LsaWeights w, NDManager m, PromptSet fit, PromptSet test) {
        LsaRegressor model = new LsaRegressor("model", w, m);
        GatmiryLooped.Evidence ev = GatmiryLooped.evidence(model, GatmiryLooped.LOOPS, fit, test,
                model.predict(test), model.queryJacobians(test), List.of());
        List<Headline> heads = GatmiryLooped.evidenceHeadlines("t.", "test", List.of(ev));
        heads.forEach(h -> System.out.println(w.weightTied() + ": " + h));
        return Verdict.all(heads.stream().filter(h -> h.verdict() != null).map(Headline::verdict).toList());
    }

    @Test
    void untiedLayersWithDifferentGammasAreNotSharedGammaPgd() {
        TaskConfig task = GatmiryLooped.task("anisotropic");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet fit = TaskSamplers.forTask(task).samplePromptSet(m, 1000, 1);
            PromptSet test = TaskSamplers.forTask(task).samplePromptSet(m, 2000, 2);
            DMatrixRMaj shared = PreconditionerTheory.optimal(task);
            CommonOps_DDRM.scale(1.0 / GatmiryLooped.LOOPS, shared);
            assertEquals(Verdict.SUPPORTED, verdict(PreconditionedGdConstruction.looped(shared, 1.0,
                    GatmiryLooped.LOOPS), m, fit, test), "a looped shared-Γ PGD is shared-Γ PGD");
            DMatrixRMaj a = new DMatrixRMaj(shared.numCols, shared.numRows);
            CommonOps_DDRM.transpose(shared, a);
            assertEquals(Verdict.SUPPORTED, verdict(LoopedPreconditionerLsa.weights(a, new double[GatmiryLooped.D],
                    GatmiryLooped.LOOPS), m, fit, test), "the restricted model with u = 0 is shared-Γ PGD");
            // a looped full-parameterisation layer that corrects its inputs (GD++): one set of weights, a different
            // effective preconditioner per loop
            LsaWeights gdpp = new LsaWeights(List.of(GdPlusPlusConstruction.layer(GatmiryLooped.D, 0.6, 0.3)),
                    GatmiryLooped.LOOPS);
            assertEquals(Verdict.NOT_SUPPORTED, verdict(gdpp, m, fit, test),
                    "a looped GD++ layer is not shared-Γ PGD");
            // three PGD steps, each a good descent step on its own, with different preconditioners
            LsaWeights untied = LsaWeights.of(List.of(
                    PreconditionedGdConstruction.layer(diag(0.9, 0.5, 0.3, 0.15, 0.1), 1.0),
                    PreconditionedGdConstruction.layer(diag(0.1, 0.15, 0.3, 0.5, 0.9), 1.0),
                    PreconditionedGdConstruction.layer(diag(0.3, 0.3, 0.3, 0.3, 0.3), 1.0)));
            assertEquals(Verdict.NOT_SUPPORTED, verdict(untied, m, fit, test),
                    "an untied model with different Γ per layer is not shared-Γ PGD");
        }
    }

    /**
     * The descent-margin rule is strict (sym Γ_fit ≻ 0): a looped shared-Γ PGD whose Γ is singular (no step along one
     * eigendirection), or numerically so (that eigenvalue 1e-4 of the largest), matches its fitted PGD perfectly but
     * must not pass; the same Γ with that eigenvalue restored does.
     */
    @Test
    void aSingularSharedGammaFailsTheDescentMargin() {
        TaskConfig task = GatmiryLooped.task("anisotropic");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet fit = TaskSamplers.forTask(task).samplePromptSet(m, 1000, 7);
            PromptSet test = TaskSamplers.forTask(task).samplePromptSet(m, 1000, 8);
            for (double last : new double[] {0.0, 1e-4 * 0.3, 0.3}) {
                DMatrixRMaj gamma = diag(0.3, 0.25, 0.2, 0.15, last);
                LsaRegressor model = new LsaRegressor("model", PreconditionedGdConstruction.looped(gamma, 1.0,
                        GatmiryLooped.LOOPS), m);
                GatmiryLooped.Evidence ev = GatmiryLooped.evidence(model, GatmiryLooped.LOOPS, fit, test,
                        model.predict(test), model.queryJacobians(test), List.of());
                List<Headline> heads = GatmiryLooped.evidenceHeadlines("t.", "test", List.of(ev));
                heads.forEach(h -> System.out.println("last eigenvalue " + last + ": " + h));
                Headline margin = heads.stream().filter(h -> h.key().equals("t.fitted_gamma_descent_margin"))
                        .findFirst().orElseThrow();
                assertEquals(Verdict.SUPPORTED, heads.get(0).verdict(), "it is shared-Γ PGD: " + heads.get(0));
                if (last == 0.3) {
                    assertEquals(Verdict.SUPPORTED, margin.verdict(), "a positive definite Γ passes: " + margin);
                } else {
                    assertTrue(Math.abs(ev.descentMargin()) < SINGULAR_MARGIN, "Γ_fit is (nearly) singular: "
                            + ev.descentMargin());
                    assertEquals(Verdict.NOT_SUPPORTED, margin.verdict(), "a singular Γ is not ≻ 0: " + margin);
                }
            }
        }
    }

    @Test
    void aModelThatIsItsControlIsNotClearlyCloserThanIt() {
        // a model that is ridge: the fitted PGD and the control are equally close, the difference exactly 0
        GatmiryLooped.Evidence tie = new GatmiryLooped.Evidence(null, SeedSample.fixed(0.0), SeedSample.fixed(1.0),
                "ridge", SeedSample.fixed(0.0), SeedSample.fixed(0.0), 0.5);
        Headline advantage = GatmiryLooped.evidenceHeadlines("t.", "tie", List.of(tie)).stream()
                .filter(h -> h.key().equals("t.shared_pgd_advantage_over_control")).findFirst().orElseThrow();
        assertEquals(Verdict.NOT_SUPPORTED, advantage.verdict(), "a tie with the control is not 'clearly closer': "
                + advantage);
        GatmiryLooped.Evidence closer = new GatmiryLooped.Evidence(null, SeedSample.fixed(0.0), SeedSample.fixed(1.0),
                "ridge", SeedSample.fixed(0.03), SeedSample.fixed(0.03), 0.5);
        assertEquals(Verdict.SUPPORTED, GatmiryLooped.evidenceHeadlines("t.", "closer", List.of(closer)).stream()
                .filter(h -> h.key().equals("t.shared_pgd_advantage_over_control")).findFirst().orElseThrow()
                .verdict(), "PGD clearly closer than its control passes");
    }

    /** |descent margin| of the fitted Γ of a model whose Γ is singular or has an eigenvalue 1e-4 of the largest. */
    static final double SINGULAR_MARGIN = 1e-3;

    @Test
    void closedFormAndURulesRefuseAnIsotropicPreconditionerOnAnisotropicDataAndALargeU() {
        TaskConfig task = GatmiryLooped.task("anisotropic");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PromptSet prompts = TaskSamplers.forTask(task).samplePromptSet(m, 3000, 5);
            DMatrixRMaj inv = task.inputCovariance().copy();
            CommonOps_DDRM.invert(inv);
            double c = GatmiryLooped.optimalScale(prompts, inv, GatmiryLooped.LOOPS);
            assertTrue(c > GatmiryLooped.SCALE_MIN && c < GatmiryLooped.SCALE_MAX, "c* inside the search range: " + c);
            DMatrixRMaj closed = inv.copy();
            CommonOps_DDRM.scale(c, closed);
            // c* minimises the L-step PGD MSE along c·Σ⁻¹ (5% either side is no better)
            double atStar = pgdMse(prompts, inv, c);
            assertTrue(pgdMse(prompts, inv, 0.95 * c) >= atStar && pgdMse(prompts, inv, 1.05 * c) >= atStar,
                    "c* is a minimum of the MSE: " + atStar);
            // plain GD (Γ ∝ I) at the best matching scale is refused
            DMatrixRMaj gd = CommonOps_DDRM.identity(GatmiryLooped.D);
            CommonOps_DDRM.scale(GatmiryLooped.projectionScale(closed, gd), gd);
            double err = Matrices.relativeError(gd, closed);
            assertTrue(err > GatmiryLooped.MAX_GAMMA_ERROR, "Γ ∝ I is refused on anisotropic Σ: " + err);
            // the scale-free Σ⁻¹-vs-I difference the adaptation headline divides by is far from 0
            assertTrue(GatmiryLooped.scaleFreeDifference(inv, CommonOps_DDRM.identity(GatmiryLooped.D)) > 0.2);
            // u: the looped model with a u of a tenth of ‖A‖ is refused
            double[] u = new double[GatmiryLooped.D];
            u[0] = 0.1 * org.ejml.dense.row.NormOps_DDRM.normF(closed);
            LsaWeights w = LoopedPreconditionerLsa.weights(closed, u, GatmiryLooped.LOOPS);
            double ratio = Math.abs(LoopedPreconditionerLsa.labelRowVector(w)[0])
                    / org.ejml.dense.row.NormOps_DDRM.normF(LoopedPreconditionerLsa.preconditionerBlock(w));
            assertTrue(ratio > GatmiryLooped.MAX_U_RATIO, "u = 0.1‖A‖ is refused: " + ratio);
        }
    }
}
