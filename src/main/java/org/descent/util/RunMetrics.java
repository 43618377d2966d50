package org.descent.util;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code metrics.json} in the common layout of every run (README, "Output schema"):
 * <pre>
 * schema_version  1
 * run_id, kind    as in the manifest
 * verdict         the run's overall verdict (verify, compare: consistent | inconsistent | inconclusive; reproduce:
 *                 supported | not supported | inconclusive; calibrate: passed | failed), or null (probe: see verdicts)
 * metrics         [{key, label, value, ...}]: every number, one record each (value null for NaN/Inf); a record that
 *                 has an interval adds lower, upper, level, interval; one that is tested adds comparison
 *                 (at_least | at_most | within), tolerance (a number) and outcome (pass | fail | inconclusive)
 * verdicts        [{key, label, outcome, reason, ...}]: verdicts on named claims or hypotheses
 * series          [{key, label, x_label, y_label, x, y}]: curves
 * arrays          [{key, label, shape, values}]: vectors and matrices
 * details         what is particular to the kind (texts, statuses)
 * </pre>
 * Keys are unique within a file and machine-readable ({@link Schema#isKey}); labels are for display.
 */
public final class RunMetrics {
    private final Map<String, Object> m = new LinkedHashMap<>();
    private final List<Object> metrics = new ArrayList<>();
    private final List<Object> verdicts = new ArrayList<>();
    private final List<Object> series = new ArrayList<>();
    private final List<Object> arrays = new ArrayList<>();
    private final Map<String, Object> details = new LinkedHashMap<>();
    private final Set<String> keys = new HashSet<>();

    public RunMetrics(String runId, String kind) {
        if (!Schema.KINDS.contains(kind)) {
            throw new IllegalArgumentException("metrics: unknown kind \"" + kind + "\"");
        }
        m.put("schema_version", Schema.VERSION);
        m.put("run_id", runId);
        m.put("kind", kind);
        m.put("verdict", null);
        m.put("metrics", metrics);
        m.put("verdicts", verdicts);
        m.put("series", series);
        m.put("arrays", arrays);
        m.put("details", details);
    }

    /** One record of {@code metrics}, extended in place by its methods. */
    public static final class Metric {
        private final Map<String, Object> fields;

        private Metric(Map<String, Object> fields) {
            this.fields = fields;
        }

        /** The 95% (or {@code level}) interval and how it was made ({@link Schema#PROMPT_BOOTSTRAP}, ...). */
        public Metric interval(double lower, double upper, double level, String method) {
            fields.put("lower", Schema.number(lower));
            fields.put("upper", Schema.number(upper));
            fields.put("level", level);
            fields.put("interval", method);
            return this;
        }

        /**
         * The requirement the value was tested against and the outcome.
         *
         * @param comparison {@link Schema#AT_LEAST}, {@link Schema#AT_MOST} or {@link Schema#WITHIN}
         * @param outcome {@link Schema#PASS}, {@link Schema#FAIL} or {@link Schema#INCONCLUSIVE}
         */
        public Metric check(String comparison, double tolerance, String outcome) {
            if (!List.of(Schema.AT_LEAST, Schema.AT_MOST, Schema.WITHIN).contains(comparison)) {
                throw new IllegalArgumentException("metrics: unknown comparison \"" + comparison + "\"");
            }
            if (!List.of(Schema.PASS, Schema.FAIL, Schema.INCONCLUSIVE).contains(outcome)) {
                throw new IllegalArgumentException("metrics: unknown outcome \"" + outcome + "\"");
            }
            fields.put("comparison", comparison);
            fields.put("tolerance", Schema.number(tolerance));
            fields.put("outcome", outcome);
            return this;
        }

        /** Another field ({@code role}, {@code hypothesis}, {@code probe}, {@code seed}, {@code per_seed}, ...). */
        public Metric with(String field, Object value) {
            fields.put(field, value instanceof Double v ? Schema.number(v) : value instanceof double[] a ? list(a)
                    : value);
            return this;
        }
    }

    /** Sets the overall verdict. */
    public RunMetrics verdict(String overall) {
        m.put("verdict", overall);
        return this;
    }

    /** Adds a number; returns its record for intervals and checks. */
    public Metric metric(String key, String label, double value) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("key", claim(key));
        f.put("label", label);
        f.put("value", Schema.number(value));
        metrics.add(f);
        return new Metric(f);
    }

    /** The record of {@code metrics} with this key, to extend it. */
    @SuppressWarnings("unchecked")
    public Metric get(String key) {
        for (Object o : metrics) {
            Map<String, Object> f = (Map<String, Object>) o;
            if (key.equals(f.get("key"))) {
                return new Metric(f);
            }
        }
        throw new IllegalArgumentException("metrics: no record \"" + key + "\"");
    }

    /** Whether a record with this key exists. */
    public boolean has(String key) {
        return keys.contains(key);
    }

    /** Adds a verdict on a claim or hypothesis; {@code more} adds fields (e.g. {@code expected}). */
    public RunMetrics verdict(String key, String label, String outcome, String reason, Map<String, ?> more) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("key", claim(key));
        f.put("label", label);
        f.put("outcome", outcome);
        f.put("reason", reason);
        f.putAll(more);
        verdicts.add(f);
        return this;
    }

    /** Adds a curve. */
    public RunMetrics series(String key, String label, String xLabel, double[] x, String yLabel, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + key + ": " + x.length + " x for " + y.length + " y");
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("key", claim(key));
        f.put("label", label);
        f.put("x_label", xLabel);
        f.put("y_label", yLabel);
        f.put("x", list(x));
        f.put("y", list(y));
        series.add(f);
        return this;
    }

    /** Adds a vector. */
    public RunMetrics array(String key, String label, double[] values) {
        return addArray(key, label, List.of(values.length), list(values));
    }

    /** Adds a matrix (rows of equal length). */
    public RunMetrics array(String key, String label, double[][] rows) {
        List<Object> values = new ArrayList<>();
        for (double[] r : rows) {
            values.add(list(r));
        }
        return addArray(key, label, List.of(rows.length, rows.length == 0 ? 0 : rows[0].length), values);
    }

    private RunMetrics addArray(String key, String label, List<Integer> shape, List<?> values) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("key", claim(key));
        f.put("label", label);
        f.put("shape", shape);
        f.put("values", values);
        arrays.add(f);
        return this;
    }

    /** Adds a kind-specific entry under {@code details}. */
    public RunMetrics detail(String key, Object value) {
        details.put(key, value);
        return this;
    }

    /**
     * Adds every value of a nested structure (maps, lists, arrays, numbers, texts): numbers as metrics, numeric vectors
     * and rectangular matrices as arrays, everything else under {@code details} at the same path. Keys are
     * {@code key.<map key>.<list index>...} (no leading {@code key.} when {@code key} is empty), each map key kept when
     * it is a key already ({@code mse.trained}) and made one otherwise ({@link Schema#segment}); labels are
     * {@code label: <original path>} (the path alone when {@code label} is empty).
     */
    public RunMetrics flatten(String key, String label, Object value) {
        flatten(key, label, "", value);
        return this;
    }

    private void flatten(String key, String label, String path, Object v) {
        String shown = path.isEmpty() ? label : label.isEmpty() ? path : label + ": " + path;
        if (v instanceof Number n) {
            metric(unique(key), shown, n.doubleValue());
        } else if (v instanceof double[] a) {
            array(unique(key), shown, a);
        } else if (v instanceof double[][] a && rectangular(a)) {
            array(unique(key), shown, a);
        } else if (v instanceof int[] a) {
            array(unique(key), shown, java.util.Arrays.stream(a).asDoubleStream().toArray());
        } else if (v instanceof Collection<?> c && !c.isEmpty() && c.stream().allMatch(x -> x instanceof Number)) {
            array(unique(key), shown, c.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray());
        } else if (v instanceof Collection<?> c && matrix(c) != null) {
            array(unique(key), shown, matrix(c));
        } else if (v instanceof Map<?, ?> map) {
            map.forEach((k, x) -> flatten((key.isEmpty() ? "" : key + ".") + keyPart(String.valueOf(k)), label,
                    path.isEmpty() ? String.valueOf(k) : path + "." + k, x));
        } else if (v instanceof Collection<?> c) {
            int i = 0;
            for (Object x : c) {
                flatten((key.isEmpty() ? "" : key + ".") + i, label, path + "[" + i + "]", x);
                i++;
            }
        } else if (v instanceof Object[] a) {
            flatten(key, label, path, List.of(a));
        } else if (v instanceof double[][] a) {
            flatten(key, label, path, List.of(a));
        } else {
            putDetail(key, v);
        }
    }

    /** A map key as part of a key: kept when it is a key already (dots included, e.g. {@code mse.trained}). */
    private static String keyPart(String k) {
        return Schema.isKey(k) ? k : Schema.segment(k);
    }

    private static boolean rectangular(double[][] a) {
        return a.length > 0 && java.util.Arrays.stream(a).allMatch(r -> r.length == a[0].length);
    }

    private static double[][] matrix(Collection<?> c) {
        if (c.isEmpty() || !c.stream().allMatch(x -> x instanceof double[] || x instanceof Collection<?> l
                && !l.isEmpty() && l.stream().allMatch(y -> y instanceof Number))) {
            return null;
        }
        double[][] out = c.stream().map(x -> x instanceof double[] a ? a.clone()
                : ((Collection<?>) x).stream().mapToDouble(y -> ((Number) y).doubleValue()).toArray())
                .toArray(double[][]::new);
        return rectangular(out) ? out : null;
    }

    @SuppressWarnings("unchecked")
    private void putDetail(String key, Object v) {
        String[] parts = key.split("\\.");
        Map<String, Object> at = details;
        for (int i = 0; i < parts.length - 1; i++) {
            Object next = at.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
            if (!(next instanceof Map)) {
                details.put(key, v);
                return;
            }
            at = (Map<String, Object>) next;
        }
        at.put(parts[parts.length - 1], v);
    }

    /** {@code key}, or {@code key_2}, {@code key_3}, ... when taken. */
    public String unique(String key) {
        String k = key;
        for (int i = 2; keys.contains(k); i++) {
            k = key + "_" + i;
        }
        return k;
    }

    private String claim(String key) {
        Schema.requireKey(key);
        if (!keys.add(key)) {
            throw new IllegalArgumentException("metrics: key \"" + key + "\" is used twice");
        }
        return key;
    }

    private static List<Double> list(double[] a) {
        List<Double> out = new ArrayList<>(a.length);
        for (double v : a) {
            out.add(Schema.number(v));
        }
        return out;
    }

    /** The metrics file, ready for {@link Json#write}. */
    public Map<String, Object> toMap() {
        return m;
    }
}
