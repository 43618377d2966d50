package org.descent.probe.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.descent.compare.AlgorithmDistances;
import org.descent.model.LsaLayerWeights;
import org.descent.model.LsaWeights;
import org.descent.oracle.EffectivePreconditioner;
import org.descent.oracle.OneStepGdConstruction;
import org.descent.probe.Evidence;
import org.descent.probe.Hypotheses;
import org.descent.probe.Matrices;
import org.descent.probe.ModelUnderTest;
import org.descent.probe.Probe;
import org.descent.probe.ProbeContext;
import org.descent.probe.ProbeResult;
import org.descent.probe.Verdict;
import org.descent.report.Plots;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;

/**
 * {@code weight-structure}: reads the algorithm off the weights of an LSA-like model (descent checkpoints, or foreign
 * modules whose parameters map onto an LSA): W_KᵀW_Q and P W_V against the GD construction, the effective
 * preconditioner Γ_eff = −v Aᵀ of every layer, and the blocks that a (P)GD layer leaves at zero (README, Contracts).
 *
 * <p>Dimension glossary: {@code d} input dimension, {@code D = d + 1}; per layer {@code KQ = W_KᵀW_Q [D, D]},
 * {@code PV = P W_V [D, D]}, {@code A = KQ[:d, :d]}, {@code v = PV[d, d]}, {@code Γ_eff [d, d]}.
 *
 * <p>Scale-free ratios (the function is unchanged by KQ → c·KQ, PV → PV/c):
 * <ul>
 *   <li>vanishing ratio {@code max(‖PV[d, :d]‖ / |v|, ‖KQ[d, :d]‖_F / ‖A‖_F)}: the label-free, w-even terms that
 *       reach a one-layer prediction;</li>
 *   <li>input-correction ratio {@code ‖PV[:d, :d]‖_F / |v|}: GD++'s x ← (I − γC) x, zero for plain (P)GD;</li>
 *   <li>label-path ratio {@code max(‖KQ[:d, d]‖, |KQ[d, d]|) / ‖A‖_F} and {@code ‖PV[:d, d]‖ / |v|}: blocks through
 *       which labels enter scores or inputs in deeper layers.</li>
 * </ul>
 * Weights are exact (no sampling): evidence intervals are points.
 *
 * <p>Every criterion here is necessary only (weights can refute an algorithm, never confirm it: a function is what
 * the model computes, not how its matrices look). Distances to the identity are sign-aware,
 * {@code Dist₊(M, I) = min_{α≥0} ‖M − αI‖_F/‖M‖_F} (−ηI is ascent), and preconditioners must be descent directions:
 * the descent margin λ_min(sym Γ_eff)/max|λ| ≥ {@link org.descent.probe.Evidence#MIN_DESCENT_MARGIN}.
 *
 * <p>Verdicts. One layer: {@code preconditioned-gd} needs the vanishing ratio ≤ {@code maxBlockRatio} and a positive
 * descent margin; {@code one-step-gd} also Dist₊(Γ_eff, I) ≤ {@code maxDistanceToIdentity}. Several layers:
 * {@code k-step-gd} needs, in every layer, all ratios ≤ {@code maxBlockRatio} and Dist₊(Γ_eff, I) ≤
 * {@code maxDistanceToIdentity}; {@code gd-plus-plus} the same except that the input correction must be ∝ I (Dist ≤
 * {@code maxDistanceToIdentity}) instead of zero (the last layer's correction is ignored: it does not reach ŷ).
 */
public final class WeightStructureProbe implements Probe {
    public static final String NAME = "weight-structure";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "W_KᵀW_Q and P W_V against the GD construction, Γ_eff per layer, the blocks that should vanish (needs"
                + " LSA weights)";
    }

    @Override
    public Map<String, Object> defaultParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maxDistanceToIdentity", 0.2);
        m.put("maxBlockRatio", 0.05);
        return m;
    }

    @Override
    public Optional<String> unsupportedReason(ModelUnderTest model) {
        return model.lsaWeights().isPresent() ? Optional.empty()
                : Optional.of("the model's weights are not LSA matrices (descent checkpoints, or TorchScript modules "
                        + "whose only parameters are W_Q/W_K/W_V/P, per layer [D, D] or stacked [L, D, D], and "
                        + "reproduce the module)");
    }

    /** Ratios and Γ_eff of one layer application. */
    private record LayerStructure(EffectivePreconditioner pre, double vanishing, double inputCorrection,
            double labelPath, double distance, double correctionDistance) {}

    @Override
    public ProbeResult run(ProbeContext ctx) {
        double maxDist = ctx.params().getDouble("maxDistanceToIdentity");
        double maxRatio = ctx.params().getDouble("maxBlockRatio");
        LsaWeights weights = ctx.model().lsaWeights().orElseThrow();
        int depth = weights.depth();
        int d = weights.dim() - 1;
        List<LayerStructure> layers = new ArrayList<>();
        ProbeResult.Builder out = ProbeResult.builder(NAME);
        List<List<String>> rows = new ArrayList<>();
        List<Object> perLayer = new ArrayList<>();
        for (int l = 0; l < depth; l++) {
            LsaLayerWeights lw = weights.layer(l);
            LayerStructure s = structure(lw, d);
            layers.add(s);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("gamma_eff", Matrices.rows(s.pre().gamma()));
            m.put("label_value", s.pre().labelValue());
            m.put("distance_to_identity", s.distance());
            m.put("scalar_fit", CommonOps_DDRM.trace(s.pre().gamma()) / d);
            m.put("vanishing_ratio", s.vanishing());
            m.put("input_correction_ratio", s.inputCorrection());
            m.put("input_correction_distance_to_identity", s.correctionDistance());
            m.put("label_path_ratio", s.labelPath());
            perLayer.add(m);
            rows.add(List.of(Integer.toString(l), ProbeStatistics.num(CommonOps_DDRM.trace(s.pre().gamma()) / d),
                    ProbeStatistics.num(s.distance()), ProbeStatistics.num(s.vanishing()),
                    ProbeStatistics.num(s.inputCorrection()), ProbeStatistics.num(s.correctionDistance()),
                    ProbeStatistics.num(s.labelPath())));
        }
        out.metric("layers", perLayer);
        out.metric("depth", depth);
        out.metric("weight_tied", weights.weightTied());

        if (depth == 1) {
            LsaLayerWeights lw = weights.layer(0);
            LayerStructure s = layers.get(0);
            double eta = ctx.references().etaStar().eta();
            DMatrixRMaj etaI = CommonOps_DDRM.identity(d);
            CommonOps_DDRM.scale(eta, etaI);
            double relEta = Matrices.relativeError(s.pre().gamma(), etaI);
            double relStar = Matrices.relativeError(s.pre().gamma(), ctx.references().gammaStar().gamma());
            // The products against the construction after removing the scale symmetry (β = mean diag of A).
            DMatrixRMaj kq = lw.keyQuery();
            DMatrixRMaj pv = lw.projectedValue();
            double beta = CommonOps_DDRM.trace(CommonOps_DDRM.extract(kq, 0, d, 0, d)) / d;
            LsaLayerWeights gd = OneStepGdConstruction.layer(d, eta);
            double kqErr = Double.NaN;
            double pvErr = Double.NaN;
            if (beta != 0) {
                DMatrixRMaj kqN = kq.copy();
                CommonOps_DDRM.scale(1 / beta, kqN);
                DMatrixRMaj pvN = pv.copy();
                CommonOps_DDRM.scale(beta, pvN);
                kqErr = Matrices.relativeError(kqN, gd.keyQuery());
                pvErr = Matrices.relativeError(pvN, gd.projectedValue());
            }
            out.metric("relative_error_to_eta_star_identity", relEta);
            out.metric("relative_error_to_gamma_star", relStar);
            out.metric("construction_beta", beta);
            out.metric("kq_relative_error_to_construction", kqErr);
            out.metric("pv_relative_error_to_construction", pvErr);
            Evidence vanish = Evidence.exact("vanishing-block ratio", s.vanishing(), Evidence.Comparison.AT_MOST,
                    maxRatio);
            double margin = NormOps_DDRM.normF(s.pre().gamma()) > 0
                    ? AlgorithmDistances.descentMargin(s.pre().gamma()) : 0; // Γ_eff = 0 takes no step
            out.metric("descent_margin", margin);
            Evidence descent = Evidence.exact("descent margin λ_min(sym Γ_eff)/max|λ|", margin,
                    Evidence.Comparison.AT_LEAST, Evidence.MIN_DESCENT_MARGIN);
            out.verdict(Verdict.of(Hypotheses.PRECONDITIONED_GD, List.of(vanish, descent)));
            out.verdict(Verdict.of(Hypotheses.ONE_STEP_GD, List.of(vanish,
                    Evidence.exact("Dist₊(Γ_eff, I)", s.distance(), Evidence.Comparison.AT_MOST, maxDist))));
            out.paragraph(String.format(Locale.ROOT, "One layer: ‖Γ_eff − η* I‖_F/‖η* I‖_F = %s, ‖Γ_eff − Γ*‖_F/‖Γ*‖_F "
                    + "= %s. With β = mean diag of A = %s: ‖W_KᵀW_Q/β − [[I,0],[0,0]]‖_F/‖·‖ = %s and "
                    + "‖β P W_V − [[0,0],[0,−η*]]‖_F/‖·‖ = %s.", ProbeStatistics.num(relEta),
                    ProbeStatistics.num(relStar), ProbeStatistics.num(beta), ProbeStatistics.num(kqErr),
                    ProbeStatistics.num(pvErr)));
        } else {
            double vanish = 0;
            double correction = 0;
            double label = 0;
            double dist = 0;
            double corrDist = 0;
            for (int l = 0; l < depth; l++) {
                LayerStructure s = layers.get(l);
                vanish = Math.max(vanish, s.vanishing());
                correction = Math.max(correction, s.inputCorrection());
                label = Math.max(label, s.labelPath());
                dist = Math.max(dist, s.distance());
                if (l < depth - 1) {
                    corrDist = Math.max(corrDist, s.correctionDistance());
                }
            }
            Evidence ev = Evidence.exact("max vanishing-block ratio", vanish, Evidence.Comparison.AT_MOST, maxRatio);
            Evidence el = Evidence.exact("max label-path ratio", label, Evidence.Comparison.AT_MOST, maxRatio);
            Evidence ed = Evidence.exact("max Dist₊(Γ_eff, I)", dist, Evidence.Comparison.AT_MOST, maxDist);
            out.verdict(Verdict.of(Hypotheses.K_STEP_GD, List.of(ev, el, ed,
                    Evidence.exact("max input-correction ratio", correction, Evidence.Comparison.AT_MOST, maxRatio))));
            out.verdict(Verdict.of(Hypotheses.GD_PLUS_PLUS, List.of(ev, el, ed,
                    Evidence.exact("max Dist(input correction, I), layers < L", corrDist,
                            Evidence.Comparison.AT_MOST, maxDist))));
        }
        out.table("Structure per layer (ratios are scale-free; 0 for the exact constructions)", List.of("layer",
                "tr(Γ_eff)/d", "Dist₊(Γ_eff, I)", "vanishing ratio", "input-correction ratio",
                "Dist(correction, I)", "label-path ratio"), rows);
        out.figure("gamma-eff", "Γ_eff of layer 0", Plots.heatMap("Γ_eff = −v Aᵀ, layer 0",
                Matrices.rows(layers.get(0).pre().gamma())));
        return out.build();
    }

    private static LayerStructure structure(LsaLayerWeights lw, int d) {
        EffectivePreconditioner pre = EffectivePreconditioner.of(lw);
        DMatrixRMaj kq = lw.keyQuery();
        double v = Math.abs(pre.labelValue());
        double a = NormOps_DDRM.normF(pre.keyQueryInputs());
        double vanishing = Math.max(ratio(pre.valueLabelFromInputsNorm(), v), ratio(pre.keyQueryLabelRowNorm(), a));
        double correction = ratio(NormOps_DDRM.normF(pre.inputCorrection()), v);
        double labelPath = Math.max(Math.max(ratio(pre.keyQueryLabelColumnNorm(), a),
                ratio(Math.abs(kq.get(d, d)), a)), ratio(pre.valueInputFromLabelNorm(), v));
        double distance = NormOps_DDRM.normF(pre.gamma()) > 0
                ? AlgorithmDistances.distanceToPositiveIdentity(pre.gamma())
                : Double.POSITIVE_INFINITY;
        double corrDist = NormOps_DDRM.normF(pre.inputCorrection()) > 0
                ? AlgorithmDistances.distanceToIdentity(pre.inputCorrection()) : 0;
        return new LayerStructure(pre, vanishing, correction, labelPath, distance, corrDist);
    }

    private static double ratio(double part, double whole) {
        if (part == 0) {
            return 0;
        }
        return whole == 0 ? Double.POSITIVE_INFINITY : part / whole;
    }
}
