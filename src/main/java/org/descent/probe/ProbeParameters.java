package org.descent.probe;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A probe's parameters: its documented defaults overridden by the suite file, checked once against the defaults'
 * keys and types so that a typo in a suite is an error before anything runs.
 *
 * <p>Types: an Integer default takes integral numbers, a Double default takes any number, Boolean and String take
 * their own type, a List default takes a list of numbers.
 */
public final class ProbeParameters {
    private final String probe;
    private final Map<String, Object> values;

    private ProbeParameters(String probe, Map<String, Object> values) {
        this.probe = probe;
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Merges {@code overrides} into {@code defaults}.
     *
     * @param where names the source in error messages, e.g. "probes/default.json"
     * @throws IllegalArgumentException for an unknown key or a value of the wrong type, naming both
     */
    public static ProbeParameters resolve(String probe, Map<String, Object> defaults, Map<String, Object> overrides,
            String where) {
        Map<String, Object> out = new LinkedHashMap<>(defaults);
        if (overrides != null) {
            for (Map.Entry<String, Object> e : overrides.entrySet()) {
                String key = e.getKey();
                if (!defaults.containsKey(key)) {
                    throw new IllegalArgumentException(where + ": probe \"" + probe + "\" has no parameter \"" + key
                            + "\" (known: " + new TreeSet<>(defaults.keySet()) + ")");
                }
                out.put(key, coerce(probe, key, defaults.get(key), e.getValue(), where));
            }
        }
        return new ProbeParameters(probe, out);
    }

    /** The defaults alone (no suite). */
    public static ProbeParameters defaults(Probe probe) {
        return resolve(probe.name(), probe.defaultParameters(), Map.of(), "defaults");
    }

    private static Object coerce(String probe, String key, Object dflt, Object value, String where) {
        String bad = where + ": parameter \"" + key + "\" of probe \"" + probe + "\" must be ";
        if (dflt instanceof Integer) {
            if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                    && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
                return n.intValue();
            }
            throw new IllegalArgumentException(bad + "an integer, got " + value);
        }
        if (dflt instanceof Number) {
            if (value instanceof Number n) {
                return n.doubleValue();
            }
            throw new IllegalArgumentException(bad + "a number, got " + value);
        }
        if (dflt instanceof Boolean) {
            if (value instanceof Boolean) {
                return value;
            }
            throw new IllegalArgumentException(bad + "true or false, got " + value);
        }
        if (dflt instanceof String) {
            if (value instanceof String) {
                return value;
            }
            throw new IllegalArgumentException(bad + "a string, got " + value);
        }
        if (dflt instanceof List<?>) {
            if (value instanceof List<?> l && l.stream().allMatch(x -> x instanceof Number)) {
                return List.copyOf(l);
            }
            throw new IllegalArgumentException(bad + "a list of numbers, got " + value);
        }
        throw new IllegalArgumentException("probe \"" + probe + "\": default of \"" + key + "\" has an unsupported type "
                + (dflt == null ? "null" : dflt.getClass().getSimpleName()));
    }

    public String probe() {
        return probe;
    }

    /** All values (defaults merged with overrides), for manifests. */
    public Map<String, Object> asMap() {
        return values;
    }

    private Object get(String key) {
        if (!values.containsKey(key)) {
            throw new IllegalStateException("probe \"" + probe + "\" reads parameter \"" + key
                    + "\" but does not declare it in defaultParameters()");
        }
        return values.get(key);
    }

    public double getDouble(String key) {
        return ((Number) get(key)).doubleValue();
    }

    /** An integer parameter that must be at least {@code min}. */
    public int getInt(String key, int min) {
        int v = ((Number) get(key)).intValue();
        if (v < min) {
            throw new IllegalArgumentException("probe \"" + probe + "\": parameter \"" + key + "\" must be at least "
                    + min + ", got " + v);
        }
        return v;
    }

    public boolean getBoolean(String key) {
        return (Boolean) get(key);
    }

    public String getString(String key) {
        return (String) get(key);
    }

    /** A list of numbers. */
    public List<Double> getDoubleList(String key) {
        List<Double> out = new ArrayList<>();
        for (Object o : (List<?>) get(key)) {
            out.add(((Number) o).doubleValue());
        }
        return out;
    }

    /** A list of integers (empty when the default list is empty and no override was given). */
    public List<Integer> getIntList(String key) {
        List<Integer> out = new ArrayList<>();
        for (Object o : (List<?>) get(key)) {
            double v = ((Number) o).doubleValue();
            if (v != Math.rint(v)) {
                throw new IllegalArgumentException("probe \"" + probe + "\": parameter \"" + key
                        + "\" must hold integers, got " + o);
            }
            out.add((int) v);
        }
        return out;
    }
}
