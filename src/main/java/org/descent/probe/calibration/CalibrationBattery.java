package org.descent.probe.calibration;

import static org.descent.probe.Hypotheses.GD_PLUS_PLUS;
import static org.descent.probe.Hypotheses.ITERATIVE_NEWTON;
import static org.descent.probe.Hypotheses.K_STEP_GD;
import static org.descent.probe.Hypotheses.OLS_LIKE;
import static org.descent.probe.Hypotheses.ONE_STEP_GD;
import static org.descent.probe.Hypotheses.OPTIMAL_ONE_STEP_GD;
import static org.descent.probe.Hypotheses.ORDER_INVARIANT;
import static org.descent.probe.Hypotheses.PRECONDITIONED_GD;
import static org.descent.probe.Hypotheses.RIDGE;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.descent.model.LsaInitialization;
import org.descent.model.LsaRegressor;
import org.descent.model.LsaWeights;
import org.descent.model.ModelConfig;
import org.descent.oracle.GdPlusPlusConstruction;
import org.descent.oracle.IterativeNewtonOracle;
import org.descent.oracle.LeastSquaresOracle;
import org.descent.oracle.MultiStepGdConstruction;
import org.descent.oracle.OneStepGdConstruction;
import org.descent.oracle.OptimalStepSize;
import org.descent.oracle.PreconditionedGdConstruction;
import org.descent.probe.ModelUnderTest;
import org.descent.regressor.QuerySensitivity;
import org.descent.task.CovarianceSpec;
import org.descent.task.RandomRotation;
import org.descent.task.TaskConfig;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The calibration battery: models whose algorithm is known by construction, each with the verdict every hypothesis
 * must get from the default suite. Built from the same constructions and oracles the tests check against EJML
 * (LSA weight constructions where an LSA can compute the algorithm, so the weight probes run too; EJML oracles
 * otherwise).
 *
 * <p>Expected verdicts follow from construction and nesting ({@link org.descent.probe.Hypotheses#PARENTS}): one GD
 * step at η* is consistent with optimal one-step GD, one-step GD, preconditioned GD, K-step GD, GD++ and order
 * invariance, and inconsistent with Iterative Newton, ridge and OLS; and so on. Two cases are deliberately
 * borderline and say why.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code N} context examples, {@code Γ [d, d]}.
 */
public final class CalibrationBattery {
    /** The isotropic task of the battery: d = N = 10, x ~ U(−1, 1)^d, w ~ N(0, I), noiseless. */
    public static final TaskConfig ISOTROPIC = new TaskConfig(10, 10, TaskConfig.UNIFORM, 1.0, 0.0);
    /** The anisotropic task: x ~ N(0, Σ), eigenvalues k/5.5 (k = 1..10) in a random basis, noiseless. */
    public static final TaskConfig ANISOTROPIC = TaskConfig.gaussian(10, 10,
            CovarianceSpec.ofEigenvalues(linear(10), 7L), 0.0);
    /** Newton's α for the battery: stable (α ≤ 2/λ_max(S)²) on essentially every prompt of {@link #ISOTROPIC}. */
    public static final double NEWTON_ALPHA = 0.1;
    /** Ridge λ (penalty on the sum of squares) of the ridge case: strong enough to be far from OLS. */
    public static final double RIDGE_LAMBDA = 2.0;
    /** Test prompts of the ordinary cases (the default suite's). */
    public static final int TEST_PROMPTS = 10_000;

    private CalibrationBattery() {}

    private static final Set<String> GD_FAMILY = Set.of(ONE_STEP_GD, PRECONDITIONED_GD, K_STEP_GD, GD_PLUS_PLUS,
            ORDER_INVARIANT);

    /** Every case, in the order the confusion table lists them. */
    public static List<CalibrationCase> all() {
        double etaStar = OptimalStepSize.closedForm(ISOTROPIC);
        int d = ISOTROPIC.d();
        List<CalibrationCase> out = new ArrayList<>();
        out.add(lsa("gd-eta-star", "one GD step at η* (LSA construction)", ISOTROPIC,
                OneStepGdConstruction.weights(d, etaStar), union(GD_FAMILY, Set.of(OPTIMAL_ONE_STEP_GD)), Set.of()));
        out.add(lsa("gd-0.4-eta-star", "one GD step at 0.4·η* (LSA construction)", ISOTROPIC,
                OneStepGdConstruction.weights(d, 0.4 * etaStar), GD_FAMILY, Set.of()));
        out.add(lsa("gradient-ascent", "one gradient-ascent step, ŷ = −η* x_q·h (LSA construction)", ISOTROPIC,
                PreconditionedGdConstruction.weights(scaledIdentity(d, -etaStar)), Set.of(ORDER_INVARIANT),
                Set.of()));
        out.add(lsa("pgd-spd-isotropic", "one PGD step with a random SPD Γ (eigenvalues η*·[0.5, 2]), isotropic x",
                ISOTROPIC, PreconditionedGdConstruction.weights(randomGamma(d, etaStar, false, 11L)),
                Set.of(PRECONDITIONED_GD, ORDER_INVARIANT), Set.of()));
        double etaAniso = 0.5;
        out.add(lsa("pgd-spd-anisotropic", "one PGD step with a random SPD Γ, anisotropic Gaussian x", ANISOTROPIC,
                PreconditionedGdConstruction.weights(randomGamma(d, etaAniso, false, 12L)),
                Set.of(PRECONDITIONED_GD, ORDER_INVARIANT), Set.of()));
        out.add(lsa("pgd-near-identity", "one PGD step with Γ = η*·Q diag(1 ± 0.06) Qᵀ: Dist₊(Γ, I) = 0.06, within ε "
                + "of one GD step (relative SPD ~0.004)", ISOTROPIC,
                PreconditionedGdConstruction.weights(nearIdentity(d, etaStar, 0.06, 5L)),
                union(GD_FAMILY, Set.of(OPTIMAL_ONE_STEP_GD)), Set.of()));
        out.add(lsa("pgd-indefinite", "one step with an indefinite Γ (eigenvalues of both signs): not descent",
                ISOTROPIC, PreconditionedGdConstruction.weights(randomGamma(d, etaStar, true, 13L)),
                Set.of(ORDER_INVARIANT), Set.of()));
        out.add(lsa("k-step-gd-2", "2 GD steps, η = (1.2, 1.2) (LSA construction)", ISOTROPIC,
                MultiStepGdConstruction.weights(d, 1.2, 1.2), Set.of(K_STEP_GD, GD_PLUS_PLUS, ORDER_INVARIANT),
                Set.of()));
        out.add(lsa("k-step-gd-3", "3 GD steps, η = (1.0, 1.0, 1.0) (LSA construction)", ISOTROPIC,
                MultiStepGdConstruction.weights(d, 1.0, 1.0, 1.0), Set.of(K_STEP_GD, GD_PLUS_PLUS, ORDER_INVARIANT),
                Set.of()));
        out.add(lsa("gd-plus-plus-2", "2 GD++ layers, η = (1.2, 1.2), γ = (0.5, 0) (LSA construction)", ISOTROPIC,
                GdPlusPlusConstruction.weights(d, new double[] {1.2, 1.2}, new double[] {0.5, 0.0}),
                Set.of(GD_PLUS_PLUS, ORDER_INVARIANT), Set.of()));
        out.add(oracle("ols", "per-prompt least squares (EJML)", ISOTROPIC, LeastSquaresOracle.ols(),
                Set.of(OLS_LIKE, RIDGE, ORDER_INVARIANT), Set.of()));
        out.add(oracle("ridge", String.format(Locale.ROOT, "per-prompt ridge, λ = %.3g (EJML); GD++ × 3 reproduces "
                + "ridge within relative SPD ~1e-5 (6e-3 at λ = 0.1), so gd-plus-plus may go either way", RIDGE_LAMBDA),
                ISOTROPIC, LeastSquaresOracle.ridge(RIDGE_LAMBDA), Set.of(RIDGE, ORDER_INVARIANT),
                Set.of(GD_PLUS_PLUS)));
        out.add(oracle("newton-2", "Iterative Newton, k = 2, α = " + NEWTON_ALPHA + " (EJML)", ISOTROPIC,
                IterativeNewtonOracle.of(2, NEWTON_ALPHA), Set.of(ITERATIVE_NEWTON, ORDER_INVARIANT), Set.of()));
        out.add(oracle("newton-4", "Iterative Newton, k = 4, α = " + NEWTON_ALPHA + " (EJML)", ISOTROPIC,
                IterativeNewtonOracle.of(4, NEWTON_ALPHA), Set.of(ITERATIVE_NEWTON, ORDER_INVARIANT), Set.of()));
        out.add(lsa("random-lsa-d4", "a random-init 1-layer LSA, d = N = 4", new TaskConfig(4, 4, TaskConfig.UNIFORM,
                1.0, 0.0), LsaInitialization.gaussian(4, ModelConfig.defaults(), 21L), Set.of(ORDER_INVARIANT),
                Set.of()));
        out.add(lsa("random-lsa-d24", "a random-init 1-layer LSA, d = 24, N = 10 (too few prompts for a Γ fit)",
                new TaskConfig(24, 10, TaskConfig.UNIFORM, 1.0, 0.0), LsaInitialization.gaussian(24,
                        ModelConfig.defaults(), 22L), Set.of(ORDER_INVARIANT), Set.of()));
        out.add(new CalibrationCase("gd-order-perturbed", "GD(η*) + 0.003·y₁(x₁·x_q): within tolerance of GD, not "
                + "exactly order-invariant", ISOTROPIC, TEST_PROMPTS, CalibrationCase.expect(union(GD_FAMILY,
                        Set.of(OPTIMAL_ONE_STEP_GD)), Set.of()), "", (task, m) -> oracleModel(
                                new OrderDependentGd(etaStar, 0.003), task)));
        out.add(oracle("zero", "ŷ = 0 (no step): ridge (λ → ∞) and Newton (α → 0) approach it only in the limit, "
                + "so those two may go either way", ISOTROPIC, new ZeroStep(),
                Set.of(ORDER_INVARIANT), Set.of(RIDGE, ITERATIVE_NEWTON)));
        out.add(oracle("gd-tiny-step", "one GD step with η = 1e-10: still descent; ridge with λ → ∞ approaches it "
                + "(ridge may go either way)", ISOTROPIC, org.descent.oracle.GradientDescentOracle.oneStep(1e-10),
                GD_FAMILY, Set.of(RIDGE)));
        CalibrationCase few = lsa("few-prompts", "a random-init LSA, d = 4, probed on 16 prompts (< d² = 16 fit "
                + "prompts)", new TaskConfig(4, 4, TaskConfig.UNIFORM, 1.0, 0.0), LsaInitialization.gaussian(4,
                        ModelConfig.defaults(), 23L), Set.of(), Set.of(ORDER_INVARIANT));
        out.add(new CalibrationCase(few.name(), few.description(), few.task(), 16, few.expected(), "16 prompts are "
                + "too few for any fitted criterion: inconclusive is the right answer, consistent never is",
                few.model()));
        return out;
    }

    /** The fast subset run in CI: one case per kind of failure the verdict rules guard against. */
    public static List<CalibrationCase> fast() {
        Set<String> names = Set.of("gd-eta-star", "gradient-ascent", "pgd-spd-isotropic", "pgd-near-identity",
                "pgd-indefinite", "zero",
                "k-step-gd-2", "newton-2", "ridge", "random-lsa-d4", "gd-order-perturbed", "few-prompts");
        return all().stream().filter(c -> names.contains(c.name())).toList();
    }

    private static CalibrationCase lsa(String name, String description, TaskConfig task, LsaWeights weights,
            Set<String> consistent, Set<String> either) {
        return new CalibrationCase(name, description, task, TEST_PROMPTS, CalibrationCase.expect(consistent, either),
                "", (t, manager) -> {
                    LsaRegressor lsa = new LsaRegressor(name, weights, manager);
                    return ModelUnderTest.builder(lsa, t, ModelUnderTest.Origin.inMemory("calibration: "
                            + description)).sensitivity(lsa).lsaWeights(weights).build();
                });
    }

    private static CalibrationCase oracle(String name, String description, TaskConfig task, QuerySensitivity oracle,
            Set<String> consistent, Set<String> either) {
        return new CalibrationCase(name, description, task, TEST_PROMPTS, CalibrationCase.expect(consistent, either),
                "", (t, manager) -> oracleModel(oracle, t));
    }

    private static ModelUnderTest oracleModel(QuerySensitivity oracle, TaskConfig task) {
        return ModelUnderTest.builder(oracle, task, ModelUnderTest.Origin.inMemory("calibration: " + oracle.name()))
                .sensitivity(oracle).build();
    }

    /** η·Q diag(1 ± δ) Qᵀ (signs alternating), Q a random rotation: a preconditioner at Dist(Γ, I) = δ. */
    static DMatrixRMaj nearIdentity(int d, double eta, double delta, long seed) {
        DMatrixRMaj q = RandomRotation.orthogonal(d, seed);
        DMatrixRMaj lambda = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            lambda.set(i, i, eta * (1 + (i % 2 == 0 ? delta : -delta)));
        }
        DMatrixRMaj tmp = new DMatrixRMaj(d, d);
        DMatrixRMaj out = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(q, lambda, tmp);
        CommonOps_DDRM.multTransB(tmp, q, out);
        return out;
    }

    /** ŷ = 0 with zero Jacobians: the zero-step algorithm as a model under test. */
    static final class ZeroStep implements org.descent.regressor.LinearInQuery {
        @Override
        public String name() {
            return "zero step (ŷ = 0)";
        }

        @Override
        public double[] weights(org.descent.task.PromptSet prompts, int b) {
            return new double[prompts.d()];
        }
    }

    private static DMatrixRMaj scaledIdentity(int d, double c) {
        DMatrixRMaj m = CommonOps_DDRM.identity(d);
        CommonOps_DDRM.scale(c, m);
        return m;
    }

    /** Q diag(λ) Qᵀ with λ_i = scale·2^u, u ~ U(−1, 1) (signs alternating when indefinite), Q a random rotation. */
    static DMatrixRMaj randomGamma(int d, double scale, boolean indefinite, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        DMatrixRMaj q = RandomRotation.orthogonal(d, seed);
        DMatrixRMaj lambda = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            double v = scale * Math.pow(2, 2 * rng.nextDouble() - 1);
            lambda.set(i, i, indefinite && i % 2 == 1 ? -v : v);
        }
        DMatrixRMaj tmp = new DMatrixRMaj(d, d);
        DMatrixRMaj out = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(q, lambda, tmp);
        CommonOps_DDRM.multTransB(tmp, q, out);
        return out;
    }

    private static double[] linear(int d) {
        double[] e = new double[d];
        for (int k = 0; k < d; k++) {
            e[k] = (k + 1) / 5.5;
        }
        return e;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>(a);
        out.addAll(b);
        return out;
    }
}
