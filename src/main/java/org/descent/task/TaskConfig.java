package org.descent.task;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;

/**
 * The in-context task a model is trained or probed on: prompt size, input distribution, the function class a
 * prompt's task is drawn from (regression families, or the binary classification family {@code "gaussian-mixture"}),
 * label noise. Immutable and validated on construction, so an impossible task
 * never reaches a sampler; every error is one line naming the field and the problem.
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code n} context examples per prompt (N in the papers),
 * {@code D = d + 1} token width, {@code T = n + 1} tokens per prompt (the query is the last token).
 *
 * <p>Every prompt draws fresh inputs {@code x_1..x_T} and a fresh task function f, and labels {@code y = f(x) + σ ε}
 * with {@code ε ~ N(0, 1)}. Function families ({@code family}):
 * <ul>
 *   <li>{@code "linear"} (default): {@code y = r(w·x)} with {@code w ~ N(0, I)} or {@code w ~ N(0, Σ⁻¹)}
 *       ({@code weightPrior}) and {@code r} the {@code response} function (identity, tanh or ReLU);</li>
 *   <li>{@code "sparse-linear"} (Garg et al. 2022): {@code w ~ N(0, I)} with all but {@code sparsity} = k
 *       coordinates, chosen uniformly at random, set to zero; {@code y = r(w·x)};</li>
 *   <li>{@code "relu-network"} (Garg et al.): {@code y = √(2/r) Σ_{j≤r} α_j ReLU(u_jᵀx)}, {@code α_j ~ N(0, 1)},
 *       {@code u_j ~ N(0, I_d)}, width {@code r = hiddenWidth} (so that Var y = d for x ~ N(0, I), as for linear);</li>
 *   <li>{@code "decision-tree"} (Garg et al.): a full binary tree of depth {@code treeDepth}; every internal node
 *       tests a coordinate drawn uniformly from {@code 0..d-1} and goes right when it is positive, left otherwise;
 *       the {@code 2^depth} leaves hold values drawn from N(0, 1);</li>
 *   <li>{@code "gaussian-mixture"} (in-context binary classification, Shen, Zhou, Yang and Shen 2025): per prompt a
 *       class mean {@code μ = r Λ^{1/2} u} with {@code u} uniform on the unit sphere of R^d and
 *       {@code r = classSeparation} (so the Mahalanobis norm {@code ‖μ‖_{Λ⁻¹} = r} in every prompt); labels
 *       {@code y_i ∈ {−1, +1}} independent and uniform (the query's too); inputs {@code x_i = y_i μ + Λ^{1/2} z_i},
 *       {@code z_i ~ N(0, I)}, where the class covariance Λ is {@code a² I} ({@code inputScale} a) or the given
 *       {@code covariance}. Needs {@code inputs = "gaussian"} and {@code noise = 0}. The ±1 label sits in the y slot
 *       of the standard token layout and the query's target is its label. Knowing μ, the Bayes classifier
 *       {@code sign(μᵀΛ⁻¹x)} has accuracy Φ(r); from the context alone, {@code sign(x_qᵀ Λ⁻¹ Σ_i y_i x_i)} is
 *       Bayes-optimal for this prior on μ (the posterior predictive increases in {@code ‖Λ^{-1/2}(Σ y_i x_i ± x_q)‖}).
 *       The marginal input covariance is {@code Λ + μμᵀ} per prompt, {@code Λ + (r²/d) Λ} over prompts;
 *       {@link #inputCovariance()} returns Λ.</li>
 * </ul>
 *
 * @param d input dimension, at least 1
 * @param n number of context examples per prompt, at least 1
 * @param inputs input distribution: {@code "uniform"} (x ~ U(-a, a)^d) or {@code "gaussian"} (x ~ N(0, a² I), or
 *     x ~ N(0, Σ) when {@code covariance} is given; for {@code "gaussian-mixture"} the class noise); default
 *     {@code "gaussian"} for {@code "gaussian-mixture"}, {@code "uniform"} otherwise
 * @param inputScale the {@code a} above: half-width for uniform, standard deviation for gaussian; positive; must be 1
 *     when {@code covariance} is given (put the scale into Σ)
 * @param noise standard deviation σ of Gaussian label noise, at least 0
 * @param covariance Σ of anisotropic Gaussian inputs ({@code inputs = "gaussian"} only); null for isotropic inputs
 * @param weightPrior {@code "isotropic"} (w ~ N(0, I), default) or {@code "inverse-covariance"} (w ~ N(0, Σ⁻¹) with
 *     Σ the input covariance, e.g. (a²/3)·I for uniform inputs); the latter only for family {@code "linear"}
 * @param family the function class: {@code "linear"} (default), {@code "sparse-linear"}, {@code "relu-network"},
 *     {@code "decision-tree"}
 * @param response {@code "linear"} (default), {@code "tanh"} or {@code "relu"}: the r in y = r(w·x); only for the
 *     linear families
 * @param sparsity k, the number of non-zero weights of {@code "sparse-linear"}, 1 ≤ k ≤ d; default 3; null for
 *     other families
 * @param hiddenWidth r, hidden units of {@code "relu-network"}, at least 1; default 100; null for other families
 * @param treeDepth depth of {@code "decision-tree"}, 1..{@value #MAX_TREE_DEPTH}; default 4; null for other families
 * @param classSeparation r, the Mahalanobis norm of the class mean of {@code "gaussian-mixture"}, positive and finite;
 *     default {@value #DEFAULT_CLASS_SEPARATION}; null for other families
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record TaskConfig(int d, int n, String inputs, double inputScale, double noise, CovarianceSpec covariance,
        String weightPrior, String family, String response, Integer sparsity, Integer hiddenWidth,
        Integer treeDepth, Double classSeparation) {

    public static final String UNIFORM = "uniform";
    public static final String GAUSSIAN = "gaussian";

    /** Weight prior w ~ N(0, I). */
    public static final String PRIOR_ISOTROPIC = "isotropic";
    /** Weight prior w ~ N(0, Σ⁻¹), Σ the input covariance. */
    public static final String PRIOR_INVERSE_COVARIANCE = "inverse-covariance";

    public static final String FAMILY_LINEAR = "linear";
    public static final String FAMILY_SPARSE_LINEAR = "sparse-linear";
    public static final String FAMILY_RELU_NETWORK = "relu-network";
    public static final String FAMILY_DECISION_TREE = "decision-tree";
    /** In-context binary classification of a two-component Gaussian mixture, labels ±1. */
    public static final String FAMILY_GAUSSIAN_MIXTURE = "gaussian-mixture";

    public static final String RESPONSE_LINEAR = "linear";
    public static final String RESPONSE_TANH = "tanh";
    public static final String RESPONSE_RELU = "relu";

    public static final int DEFAULT_SPARSITY = 3;
    public static final int DEFAULT_HIDDEN_WIDTH = 100;
    public static final int DEFAULT_TREE_DEPTH = 4;
    public static final int MAX_TREE_DEPTH = 16;
    public static final double DEFAULT_CLASS_SEPARATION = 1.0;

    private static final List<String> PRIORS = List.of(PRIOR_ISOTROPIC, PRIOR_INVERSE_COVARIANCE);
    private static final List<String> FAMILIES =
            List.of(FAMILY_LINEAR, FAMILY_SPARSE_LINEAR, FAMILY_RELU_NETWORK, FAMILY_DECISION_TREE,
                    FAMILY_GAUSSIAN_MIXTURE);
    private static final List<String> RESPONSES = List.of(RESPONSE_LINEAR, RESPONSE_TANH, RESPONSE_RELU);

    @JsonCreator
    public TaskConfig {
        if (d <= 0) {
            throw new IllegalArgumentException("task: d must be a positive integer, got " + d);
        }
        if (n <= 0) {
            throw new IllegalArgumentException("task: n (context examples) must be a positive integer, got " + n);
        }
        if (inputs == null) {
            inputs = FAMILY_GAUSSIAN_MIXTURE.equals(family) ? GAUSSIAN : UNIFORM;
        }
        if (!inputs.equals(UNIFORM) && !inputs.equals(GAUSSIAN)) {
            throw new IllegalArgumentException(
                    "task: inputs must be \"uniform\" or \"gaussian\", got \"" + inputs + "\"");
        }
        if (!(inputScale > 0) || Double.isInfinite(inputScale)) {
            throw new IllegalArgumentException("task: inputScale must be a positive finite number, got " + inputScale);
        }
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("task: noise must be a finite number >= 0, got " + noise);
        }
        if (covariance != null) {
            if (!inputs.equals(GAUSSIAN)) {
                throw new IllegalArgumentException("task: a covariance needs inputs \"gaussian\", got \"" + inputs
                        + "\"");
            }
            if (inputScale != 1.0) {
                throw new IllegalArgumentException("task: inputScale must be 1 when a covariance is given (put the "
                        + "scale into the covariance), got " + inputScale);
            }
            int size = covariance.dimension();
            if (size != d) {
                throw new IllegalArgumentException("task: covariance is " + size + "x" + size + " but d = " + d);
            }
        }
        weightPrior = choice("weightPrior", weightPrior, PRIOR_ISOTROPIC, PRIORS);
        family = choice("family", family, FAMILY_LINEAR, FAMILIES);
        response = choice("response", response, RESPONSE_LINEAR, RESPONSES);
        boolean linearFamily = family.equals(FAMILY_LINEAR) || family.equals(FAMILY_SPARSE_LINEAR);
        if (!response.equals(RESPONSE_LINEAR) && !linearFamily) {
            throw new IllegalArgumentException("task: response \"" + response + "\" only applies to families \"linear\""
                    + " and \"sparse-linear\", not \"" + family + "\"");
        }
        if (weightPrior.equals(PRIOR_INVERSE_COVARIANCE) && !family.equals(FAMILY_LINEAR)) {
            throw new IllegalArgumentException("task: weightPrior \"inverse-covariance\" only applies to family"
                    + " \"linear\", not \"" + family + "\"");
        }
        sparsity = familyParameter("sparsity", sparsity, family, FAMILY_SPARSE_LINEAR, DEFAULT_SPARSITY);
        hiddenWidth = familyParameter("hiddenWidth", hiddenWidth, family, FAMILY_RELU_NETWORK, DEFAULT_HIDDEN_WIDTH);
        treeDepth = familyParameter("treeDepth", treeDepth, family, FAMILY_DECISION_TREE, DEFAULT_TREE_DEPTH);
        if (sparsity != null && (sparsity < 1 || sparsity > d)) {
            throw new IllegalArgumentException("task: sparsity k = " + sparsity + (sparsity < 1 ? " must be at least 1"
                    : " exceeds d = " + d + " (a k-sparse w needs 1 <= k <= d)"));
        }
        if (hiddenWidth != null && hiddenWidth < 1) {
            throw new IllegalArgumentException("task: hiddenWidth must be at least 1, got " + hiddenWidth);
        }
        if (treeDepth != null && (treeDepth < 1 || treeDepth > MAX_TREE_DEPTH)) {
            throw new IllegalArgumentException("task: treeDepth must be in 1.." + MAX_TREE_DEPTH + ", got " + treeDepth);
        }
        if (family.equals(FAMILY_GAUSSIAN_MIXTURE)) {
            if (classSeparation == null) {
                classSeparation = DEFAULT_CLASS_SEPARATION;
            }
            if (!(classSeparation > 0) || Double.isInfinite(classSeparation)) {
                throw new IllegalArgumentException("task: classSeparation must be a positive finite number, got "
                        + classSeparation);
            }
            if (!inputs.equals(GAUSSIAN)) {
                throw new IllegalArgumentException("task: family \"gaussian-mixture\" needs inputs \"gaussian\" (its"
                        + " class noise is N(0, Λ)), got \"" + inputs + "\"");
            }
            if (noise != 0) {
                throw new IllegalArgumentException("task: family \"gaussian-mixture\" has exact ±1 labels and needs"
                        + " noise = 0, got " + noise);
            }
        } else if (classSeparation != null) {
            throw new IllegalArgumentException("task: classSeparation only applies to family \"gaussian-mixture\","
                    + " not \"" + family + "\"");
        }
    }

    /** As the canonical constructor, for the families other than {@code "gaussian-mixture"}. */
    public TaskConfig(int d, int n, String inputs, double inputScale, double noise, CovarianceSpec covariance,
            String weightPrior, String family, String response, Integer sparsity, Integer hiddenWidth,
            Integer treeDepth) {
        this(d, n, inputs, inputScale, noise, covariance, weightPrior, family, response, sparsity, hiddenWidth,
                treeDepth, null);
    }

    /** Linear regression with isotropic inputs and w ~ N(0, I) (the original five-field task). */
    public TaskConfig(int d, int n, String inputs, double inputScale, double noise) {
        this(d, n, inputs, inputScale, noise, null, null, null, null, null, null, null);
    }

    private static String choice(String field, String value, String dflt, List<String> allowed) {
        if (value == null) {
            return dflt;
        }
        if (!allowed.contains(value)) {
            throw new IllegalArgumentException("task: " + field + " must be one of " + quoted(allowed) + ", got \""
                    + value + "\"");
        }
        return value;
    }

    private static Integer familyParameter(String field, Integer value, String family, String owner, int dflt) {
        if (!family.equals(owner)) {
            if (value != null) {
                throw new IllegalArgumentException("task: " + field + " only applies to family \"" + owner
                        + "\", not \"" + family + "\"");
            }
            return null;
        }
        return value == null ? dflt : value;
    }

    private static String quoted(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    /** The paper default of von Oswald et al. 2023: d = N = 10, x ~ U(-1, 1)^d, w ~ N(0, I), no noise. */
    public static TaskConfig defaults() {
        return new TaskConfig(10, 10, UNIFORM, 1.0, 0.0);
    }

    /**
     * Linear regression with anisotropic Gaussian inputs x ~ N(0, Σ), w ~ N(0, I) (Ahn et al. 2023 with the weight
     * prior of the README's closed forms).
     */
    public static TaskConfig gaussian(int d, int n, CovarianceSpec covariance, double noise) {
        return new TaskConfig(d, n, GAUSSIAN, 1.0, noise, covariance, null, null, null, null, null, null);
    }

    /** Token width D = d + 1. */
    @JsonIgnore
    public int tokenDim() {
        return d + 1;
    }

    /** Tokens per prompt, N + 1 (context plus query). */
    @JsonIgnore
    public int tokens() {
        return n + 1;
    }

    public TaskConfig withD(int newD) {
        return new TaskConfig(newD, n, inputs, inputScale, noise, covariance, weightPrior, family, response, sparsity,
                hiddenWidth, treeDepth, classSeparation);
    }

    public TaskConfig withN(int newN) {
        return new TaskConfig(d, newN, inputs, inputScale, noise, covariance, weightPrior, family, response, sparsity,
                hiddenWidth, treeDepth, classSeparation);
    }

    public TaskConfig withInputs(String newInputs, double newScale) {
        return new TaskConfig(d, n, newInputs, newScale, noise, covariance, weightPrior, family, response, sparsity,
                hiddenWidth, treeDepth, classSeparation);
    }

    public TaskConfig withNoise(double newNoise) {
        return new TaskConfig(d, n, inputs, inputScale, newNoise, covariance, weightPrior, family, response, sparsity,
                hiddenWidth, treeDepth, classSeparation);
    }

    /** Gaussian inputs x ~ N(0, Σ) (sets inputs = "gaussian", inputScale = 1); null returns to isotropic inputs. */
    public TaskConfig withCovariance(CovarianceSpec newCovariance) {
        return new TaskConfig(d, n, newCovariance == null ? inputs : GAUSSIAN,
                newCovariance == null ? inputScale : 1.0, noise, newCovariance, weightPrior, family, response,
                sparsity, hiddenWidth, treeDepth, classSeparation);
    }

    public TaskConfig withWeightPrior(String newPrior) {
        return new TaskConfig(d, n, inputs, inputScale, noise, covariance, newPrior, family, response, sparsity,
                hiddenWidth, treeDepth, classSeparation);
    }

    public TaskConfig withResponse(String newResponse) {
        return new TaskConfig(d, n, inputs, inputScale, noise, covariance, weightPrior, family, newResponse, sparsity,
                hiddenWidth, treeDepth, classSeparation);
    }

    /**
     * Another function family with its parameter (k for sparse-linear, r for relu-network, depth for decision-tree;
     * null for the default; ignored for linear and gaussian-mixture). Weight prior and response are reset to their
     * defaults. For {@code "gaussian-mixture"}, uniform inputs become Gaussian with inputScale 1 (its class noise is
     * Gaussian) and the class separation is the default (see {@link #withClassSeparation}).
     */
    public TaskConfig withFamily(String newFamily, Integer parameter) {
        Integer k = FAMILY_SPARSE_LINEAR.equals(newFamily) ? parameter : null;
        Integer r = FAMILY_RELU_NETWORK.equals(newFamily) ? parameter : null;
        Integer depth = FAMILY_DECISION_TREE.equals(newFamily) ? parameter : null;
        boolean mixture = FAMILY_GAUSSIAN_MIXTURE.equals(newFamily);
        boolean toGaussian = mixture && !GAUSSIAN.equals(inputs);
        return new TaskConfig(d, n, toGaussian ? GAUSSIAN : inputs, toGaussian ? 1.0 : inputScale, noise, covariance,
                null, newFamily, null, k, r, depth, null);
    }

    /** The class separation r of family {@code "gaussian-mixture"} (the task must have that family). */
    public TaskConfig withClassSeparation(double r) {
        if (!family.equals(FAMILY_GAUSSIAN_MIXTURE)) {
            throw new IllegalArgumentException("task: classSeparation only applies to family \"gaussian-mixture\","
                    + " not \"" + family + "\"");
        }
        return new TaskConfig(d, n, inputs, inputScale, noise, covariance, weightPrior, family, response, sparsity,
                hiddenWidth, treeDepth, r);
    }

    /** Whether the task is in-context binary classification (labels ±1): family {@code "gaussian-mixture"}. */
    @JsonIgnore
    public boolean isClassification() {
        return family.equals(FAMILY_GAUSSIAN_MIXTURE);
    }

    /** Whether inputs are isotropic (no covariance given): Σ = s·I. */
    @JsonIgnore
    public boolean hasIsotropicInputs() {
        return covariance == null;
    }

    /**
     * Whether labels are y = w·x + noise (family linear, identity response): the setting of the README's closed forms.
     */
    @JsonIgnore
    public boolean isLinearRegression() {
        return family.equals(FAMILY_LINEAR) && response.equals(RESPONSE_LINEAR);
    }

    /**
     * Per-coordinate moments of an isotropic input distribution: {@code s = E[x_k²]}, {@code κ = E[x_k⁴]/s²}.
     * Gaussian: κ = 3; uniform: κ = 9/5.
     *
     * @throws IllegalStateException for anisotropic inputs (use {@link #inputCovariance()})
     */
    public InputMoments inputMoments() {
        if (covariance != null) {
            throw new IllegalStateException("task: per-coordinate input moments are defined for isotropic inputs only;"
                    + " this task has a covariance (use inputCovariance())");
        }
        double a = inputScale;
        return inputs.equals(GAUSSIAN) ? new InputMoments(a * a, 3.0) : new InputMoments(a * a / 3.0, 9.0 / 5.0);
    }

    /**
     * The input covariance {@code Σ = E[x xᵀ]} as a fresh {@code [d, d]} matrix: the given covariance, or
     * {@code s·I} for isotropic inputs (s = a² for gaussian, a²/3 for uniform). For {@code "gaussian-mixture"} this is
     * the class-conditional covariance Λ (the inputs' noise), not the marginal {@code Λ + μμᵀ}.
     */
    public DMatrixRMaj inputCovariance() {
        if (covariance != null) {
            return covariance.toMatrix();
        }
        DMatrixRMaj sigma = CommonOps_DDRM.identity(d);
        CommonOps_DDRM.scale(inputMoments().secondMoment(), sigma);
        return sigma;
    }

    /** The lower Cholesky factor L of the input covariance, {@code Σ = L Lᵀ}, {@code [d, d]}. */
    public DMatrixRMaj inputCovarianceFactor() {
        return cholesky(inputCovariance());
    }

    /**
     * The covariance Ω of the weight prior, {@code [d, d]}: I for {@code "isotropic"}, Σ⁻¹ for
     * {@code "inverse-covariance"}. Only for the linear families (the others have no single weight vector).
     */
    public DMatrixRMaj weightCovariance() {
        if (!family.equals(FAMILY_LINEAR) && !family.equals(FAMILY_SPARSE_LINEAR)) {
            throw new IllegalStateException("task: family \"" + family + "\" has no weight prior");
        }
        if (weightPrior.equals(PRIOR_ISOTROPIC)) {
            return CommonOps_DDRM.identity(d);
        }
        DMatrixRMaj inv = new DMatrixRMaj(d, d);
        if (!CommonOps_DDRM.invertSPD(inputCovariance(), inv)) {
            throw new IllegalStateException("task: the input covariance could not be inverted");
        }
        return inv;
    }

    static DMatrixRMaj cholesky(DMatrixRMaj spd) {
        CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(spd.numRows, true);
        if (!chol.decompose(spd.copy())) {
            throw new IllegalStateException("task: Cholesky decomposition of the covariance failed");
        }
        return chol.getT(null);
    }

    /**
     * Moments of an isotropic input coordinate.
     *
     * @param secondMoment s = E[x_k²]
     * @param kurtosis κ = E[x_k⁴] / s²
     */
    public record InputMoments(double secondMoment, double kurtosis) {}
}
