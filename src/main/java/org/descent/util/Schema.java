package org.descent.util;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The output schema every descent run writes (README, "Output schema"): one {@code manifest.json} layout
 * ({@link RunManifest}) and one {@code metrics.json} layout ({@link RunMetrics}) for every kind of run, both tagged
 * with {@link #VERSION}, with machine-readable keys ({@link #isKey}) beside display labels and numbers as numbers.
 */
public final class Schema {
    /** The version of the layout; bumped whenever a field changes meaning or moves. */
    public static final int VERSION = 1;

    /** The kinds of run. */
    public static final List<String> KINDS = List.of("verify", "compare", "reproduce", "probe", "calibrate", "train",
            "dataset");

    /** Kinds whose manifest {@code config} is an experiment config (task, model, train, eval): {@code --config} reads them. */
    public static final List<String> EXPERIMENT_KINDS = List.of("verify", "compare", "train", "dataset");

    /** A check's direction: the value (its whole interval) must be at least the tolerance. */
    public static final String AT_LEAST = "at_least";
    /** A check's direction: at most the tolerance. */
    public static final String AT_MOST = "at_most";
    /** A check's direction: within [−tolerance, +tolerance] (a two-sided equivalence). */
    public static final String WITHIN = "within";

    /** A check's outcome: the whole interval meets the requirement. */
    public static final String PASS = "pass";
    /** A check's outcome: none of the interval meets it. */
    public static final String FAIL = "fail";
    /** A check's outcome: the interval straddles the requirement (or is NaN). */
    public static final String INCONCLUSIVE = "inconclusive";

    /** Interval method: percentile bootstrap over the test prompts of one trained model. */
    public static final String PROMPT_BOOTSTRAP = "prompt_bootstrap";
    /** Interval method: Student t interval of the mean over training seeds. */
    public static final String STUDENT_T_SEEDS = "student_t_seeds";
    /** Interval method: none needed, the value is exact (read off weights). */
    public static final String EXACT = "exact";

    private static final Pattern SEGMENT = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)*");

    private Schema() {}

    /** Whether {@code key} is a machine-readable key: lower-case words of {@code a-z 0-9 _ -} joined by dots. */
    public static boolean isKey(String key) {
        return key != null && KEY.matcher(key).matches();
    }

    /** {@code key}, checked with {@link #isKey}. */
    public static String requireKey(String key) {
        if (!isKey(key)) {
            throw new IllegalArgumentException("not a machine-readable key: \"" + key + "\" (lower-case a-z, 0-9, '_' "
                    + "and '-' words joined by '.')");
        }
        return key;
    }

    /** {@code parts} as one key, each part made a key segment ({@link #segment}). */
    public static String key(String... parts) {
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            sb.append(sb.length() == 0 ? "" : ".").append(segment(p));
        }
        return requireKey(sb.toString());
    }

    /** {@code s} unchanged when it is already one key segment, else its {@link #slug}. */
    public static String segment(String s) {
        return SEGMENT.matcher(s).matches() ? s : slug(s);
    }

    private static final Map<String, String> SPELLED = Map.ofEntries(
            Map.entry("α", "alpha"), Map.entry("β", "beta"), Map.entry("γ", "gamma"), Map.entry("Γ", "gamma"),
            Map.entry("δ", "delta"), Map.entry("Δ", "delta"), Map.entry("ε", "epsilon"), Map.entry("η", "eta"),
            Map.entry("κ", "kappa"), Map.entry("λ", "lambda"), Map.entry("μ", "mu"), Map.entry("σ", "sigma"),
            Map.entry("Σ", "sigma"), Map.entry("ω", "omega"), Map.entry("Ω", "omega"), Map.entry("*", "star"),
            Map.entry("²", "2"), Map.entry("½", "half"), Map.entry("₊", "plus"), Map.entry("+", "plus"),
            Map.entry("√", "sqrt"), Map.entry("∂", "d"), Map.entry("ŷ", "y"), Map.entry("×", "x"),
            Map.entry("≤", "le"), Map.entry("≥", "ge"), Map.entry("%", "pct"));

    /**
     * A key segment made from a display label: lower case, Greek letters and symbols spelled out ({@code λ → lambda},
     * {@code * → star}), every other run of non-alphanumerics one {@code _}; e.g. {@code "ridge(λ=0.0100)"} →
     * {@code ridge_lambda_0_0100}, {@code "GD(η*)"} → {@code gd_eta_star}.
     */
    public static String slug(String label) {
        StringBuilder sb = new StringBuilder();
        label.codePoints().forEach(cp -> {
            String c = new String(Character.toChars(cp));
            String spelled = SPELLED.get(c);
            if (spelled != null) {
                sb.append('_').append(spelled).append('_');
            } else if (cp < 128 && Character.isLetterOrDigit(cp)) {
                sb.append(c.toLowerCase(Locale.ROOT));
            } else {
                sb.append('_');
            }
        });
        String s = sb.toString().replaceAll("_+", "_").replaceAll("^_|_$", "");
        return s.isEmpty() ? "x" : s;
    }

    /** A number for JSON: NaN and ±Inf become null (JSON has no such numbers). */
    public static Double number(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
