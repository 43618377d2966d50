package org.descent.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.descent.util.AtomicFiles;

/**
 * The installed probes: descent's built-in ones and those in jars dropped into a probes folder, all found with
 * {@link ServiceLoader} conventions. A jar provides probes by listing its {@link Probe} implementations in
 * {@code META-INF/services/org.descent.probe.Probe}; descent loads every {@code *.jar} directly in the folder (not in
 * subfolders) through one {@link URLClassLoader} whose parent is descent's own class loader, so external probes see
 * descent's API and its dependencies (DJL, EJML, Jackson) and need not bundle them.
 *
 * <p>Close the registry when done to release the jars.
 */
public final class ProbeRegistry implements AutoCloseable {
    /** Where a jar lists its probes. */
    public static final String SERVICES = "META-INF/services/" + "org.descent.probe.Probe";
    /** Origin label of probes shipped with descent. */
    public static final String BUILT_IN = "built-in";

    private final Map<String, Installed> byName;
    private final URLClassLoader jarLoader;
    private final List<Path> jars;
    private final Map<Path, String> skipped;

    /**
     * An installed probe.
     *
     * @param probe the instance
     * @param origin {@link #BUILT_IN} or the jar file it came from
     * @param sha256 hex SHA-256 of that jar (null for built-ins)
     */
    public record Installed(Probe probe, String origin, String sha256) {
        public boolean builtIn() {
            return BUILT_IN.equals(origin);
        }
    }

    private ProbeRegistry(Map<String, Installed> byName, URLClassLoader jarLoader, List<Path> jars,
            Map<Path, String> skipped) {
        this.byName = byName;
        this.jarLoader = jarLoader;
        this.jars = jars;
        this.skipped = skipped;
    }

    /** Only the built-in probes. */
    public static ProbeRegistry builtIn() {
        return discover(null);
    }

    /**
     * Built-in probes plus the probes in {@code probesDir/*.jar}. A jar that cannot be used (not a readable jar, a
     * listed class that is missing, does not implement {@link Probe}, or throws while being created or named) is
     * skipped, with the reason in {@link #skippedJars()}; the other probes stay usable, and a suite that names a
     * probe of a skipped jar gets an error naming the jar.
     *
     * @param probesDir folder of drop-in jars; null or a missing folder means built-ins only
     * @throws IllegalArgumentException when {@code probesDir} is a file, two jars provide the same class, or two
     *     probes share a name
     */
    public static ProbeRegistry discover(Path probesDir) {
        List<Path> jars = new ArrayList<>();
        if (probesDir != null && Files.isDirectory(probesDir)) {
            try (Stream<Path> files = Files.list(probesDir)) {
                files.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f))
                        .sorted(Comparator.comparing(Path::toString)).forEach(jars::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + probesDir + ": " + e.getMessage(), e);
            }
        } else if (probesDir != null && Files.exists(probesDir)) {
            throw new IllegalArgumentException(probesDir + " is not a folder of probe jars");
        }
        Map<Path, String> skipped = new LinkedHashMap<>();
        Map<String, Path> declaredBy = new LinkedHashMap<>();
        List<Path> usable = new ArrayList<>();
        for (Path jar : jars) {
            List<String> types;
            try {
                types = declaredProviders(jar, probesDir);
            } catch (IllegalArgumentException e) {
                skipped.put(jar, e.getMessage());
                continue;
            }
            usable.add(jar);
            for (String type : types) {
                Path other = declaredBy.putIfAbsent(type, jar);
                if (other != null) {
                    throw new IllegalArgumentException("probe class " + type + " is in both " + other + " and " + jar
                            + " (two versions of the same probe?); keep one of them in " + probesDir);
                }
            }
        }
        ClassLoader parent = Probe.class.getClassLoader();
        URLClassLoader loader = null;
        if (!usable.isEmpty()) {
            URL[] urls = new URL[usable.size()];
            for (int i = 0; i < urls.length; i++) {
                try {
                    urls[i] = usable.get(i).toAbsolutePath().toUri().toURL();
                } catch (MalformedURLException e) {
                    throw new IllegalArgumentException("bad probe jar path " + usable.get(i), e);
                }
            }
            loader = new URLClassLoader("descent-probes", urls, parent);
        }
        Map<String, Installed> byName = new LinkedHashMap<>();
        try {
            for (Probe probe : ServiceLoader.load(Probe.class, parent)) { // built-ins: failures here are descent's bugs
                add(byName, new Installed(probe, BUILT_IN, null), probe.getClass().getName());
            }
            // drop-ins, jar by jar, as ServiceLoader would create them but with failures attributed to their jar
            Map<Path, List<Installed>> found = new LinkedHashMap<>();
            Map<Path, String> sums = new java.util.HashMap<>(); // each jar hashed once
            for (Map.Entry<String, Path> e : declaredBy.entrySet()) {
                Path jar = e.getValue();
                if (skipped.containsKey(jar)) {
                    continue;
                }
                try {
                    Probe probe = instantiate(e.getKey(), loader);
                    String name = probe.name();
                    if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) {
                        throw new IllegalArgumentException("probe " + e.getKey() + " has an invalid name \"" + name
                                + "\" (lower-case words joined by dashes)");
                    }
                    found.computeIfAbsent(jar, k -> new ArrayList<>()).add(new Installed(probe, jar.toString(),
                            sums.computeIfAbsent(jar, AtomicFiles::sha256)));
                } catch (RuntimeException | Error ex) {
                    skipped.put(jar, describe(e.getKey(), ex));
                }
            }
            for (Map.Entry<Path, List<Installed>> e : found.entrySet()) {
                if (skipped.containsKey(e.getKey())) {
                    continue; // one broken class spoils its jar: a jar is one unit
                }
                for (Installed inst : e.getValue()) {
                    add(byName, inst, inst.probe().getClass().getName());
                }
            }
        } catch (RuntimeException | ServiceConfigurationError e) {
            closeQuietly(loader);
            throw e;
        }
        return new ProbeRegistry(byName, loader, List.copyOf(jars), skipped);
    }

    private static void add(Map<String, Installed> byName, Installed inst, String type) {
        Installed clash = byName.putIfAbsent(inst.probe().name(), inst);
        if (clash != null) {
            throw new IllegalArgumentException("two probes are named \"" + inst.probe().name() + "\": "
                    + clash.origin() + " and " + inst.origin() + " (" + type + "); rename one or remove its jar");
        }
    }

    private static Probe instantiate(String type, ClassLoader loader) {
        Class<?> c;
        try {
            c = Class.forName(type, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("class " + type + " listed in " + SERVICES + " is not in the jar", e);
        }
        if (!Probe.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(type + " does not implement " + Probe.class.getName());
        }
        try {
            return (Probe) c.getConstructor().newInstance();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(type + " has no public no-argument constructor", e);
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable t = e.getCause();
            throw new IllegalArgumentException(type + " threw while being created: " + t, t);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(type + " cannot be created: " + e, e);
        }
    }

    private static String describe(String type, Throwable t) {
        if (t instanceof IllegalArgumentException && t.getMessage() != null) {
            return t.getMessage();
        }
        return type + " failed to load: " + t.getClass().getSimpleName()
                + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** The provider classes a jar lists in its services file (empty when it has none); checks the jar is readable. */
    private static List<String> declaredProviders(Path jar, Path probesDir) {
        try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
            java.util.zip.ZipEntry entry = file.getEntry(SERVICES);
            if (entry == null) {
                return List.of();
            }
            try (var in = file.getInputStream(entry)) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                        .map(l -> l.replaceAll("#.*", "").strip()).filter(l -> !l.isEmpty()).toList();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(jar + " is not a readable jar (" + e.getMessage() + "); remove it from "
                    + probesDir + " or rebuild it", e);
        }
    }

    private static void closeQuietly(URLClassLoader loader) {
        if (loader != null) {
            try {
                loader.close();
            } catch (IOException ignored) {
                // nothing was loaded from it that anyone holds
            }
        }
    }

    /** Every installed probe: built-ins first (as declared), then drop-ins by jar. */
    public List<Installed> installed() {
        List<Installed> out = new ArrayList<>(byName.values());
        out.sort(Comparator.comparing((Installed i) -> !i.builtIn()));
        return out;
    }

    /** The jars that were scanned. */
    public List<Path> jars() {
        return jars;
    }

    /** Scanned jars that provide no probe (typically a missing {@code META-INF/services/org.descent.probe.Probe}). */
    public List<Path> jarsWithoutProbes() {
        java.util.Set<String> used = new java.util.HashSet<>();
        byName.values().forEach(i -> used.add(i.origin()));
        return jars.stream().filter(j -> !used.contains(j.toString()) && !skipped.containsKey(j)).toList();
    }

    /** Jars that were skipped, with the reason (one line each); their probes are not installed. */
    public Map<Path, String> skippedJars() {
        return java.util.Collections.unmodifiableMap(skipped);
    }

    /** One warning line per skipped jar, for the console. */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        skipped.forEach((jar, why) -> out.add("warning: skipped the probe jar " + jar + ": " + why));
        return out;
    }

    /** The installed probe called {@code name}, if any. */
    public java.util.Optional<Installed> find(String name) {
        return java.util.Optional.ofNullable(byName.get(name));
    }

    /**
     * The probe called {@code name}.
     *
     * @param where names the suite in the error message
     * @throws IllegalArgumentException naming the installed probes when there is none of that name
     */
    public Probe require(String name, String where) {
        Installed i = byName.get(name);
        if (i == null && !skipped.isEmpty()) {
            throw new IllegalArgumentException(where + ": probe \"" + name + "\" is not installed, and the jars "
                    + skipped.keySet() + " were skipped (" + String.join("; ", skipped.values()) + "); fix or remove "
                    + "them, or drop \"" + name + "\" from the suite");
        }
        if (i == null) {
            throw new IllegalArgumentException(where + ": unknown probe \"" + name + "\"; installed probes: "
                    + String.join(", ", byName.keySet()) + " (drop-in jars go into the probes folder; see 'descent "
                    + "probes --list')");
        }
        return i.probe();
    }

    @Override
    public void close() {
        closeQuietly(jarLoader);
    }
}
