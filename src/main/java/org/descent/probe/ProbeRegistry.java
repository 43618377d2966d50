package org.descent.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.descent.util.AtomicFiles;

/**
 * The installed probes: descent's built-in ones and those in jars dropped into a probes folder, all found with
 * {@link ServiceLoader}. A jar provides probes by listing its {@link Probe} implementations in
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

    private ProbeRegistry(Map<String, Installed> byName, URLClassLoader jarLoader, List<Path> jars) {
        this.byName = byName;
        this.jarLoader = jarLoader;
        this.jars = jars;
    }

    /** Only the built-in probes. */
    public static ProbeRegistry builtIn() {
        return discover(null);
    }

    /**
     * Built-in probes plus the probes in {@code probesDir/*.jar}.
     *
     * @param probesDir folder of drop-in jars; null or a missing folder means built-ins only
     * @throws IllegalArgumentException when a jar cannot be loaded or two probes share a name
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
        Map<String, Path> declaredBy = new LinkedHashMap<>();
        for (Path jar : jars) {
            for (String type : declaredProviders(jar, probesDir)) {
                Path other = declaredBy.putIfAbsent(type, jar);
                if (other != null) {
                    throw new IllegalArgumentException("probe class " + type + " is in both " + other + " and " + jar
                            + " (two versions of the same probe?); keep one of them in " + probesDir);
                }
            }
        }
        ClassLoader parent = Probe.class.getClassLoader();
        URLClassLoader loader = null;
        if (!jars.isEmpty()) {
            URL[] urls = new URL[jars.size()];
            for (int i = 0; i < urls.length; i++) {
                try {
                    urls[i] = jars.get(i).toAbsolutePath().toUri().toURL();
                } catch (MalformedURLException e) {
                    throw new IllegalArgumentException("bad probe jar path " + jars.get(i), e);
                }
            }
            loader = new URLClassLoader("descent-probes", urls, parent);
        }
        Map<String, Installed> byName = new LinkedHashMap<>();
        ServiceLoader<Probe> services = ServiceLoader.load(Probe.class, loader != null ? loader : parent);
        try {
            for (ServiceLoader.Provider<Probe> provider : services.stream().toList()) {
                Class<? extends Probe> type = provider.type();
                boolean external = loader != null && type.getClassLoader() == loader;
                Path jar = external ? jarOf(type, jars) : null;
                Probe probe = provider.get();
                String name = probe.name();
                if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) {
                    throw new IllegalArgumentException("probe " + type.getName() + (jar == null ? "" : " in " + jar)
                            + " has an invalid name \"" + name + "\" (lower-case words joined by dashes)");
                }
                Installed inst = new Installed(probe, jar == null ? BUILT_IN : jar.toString(),
                        jar == null ? null : AtomicFiles.sha256(jar));
                Installed clash = byName.putIfAbsent(name, inst);
                if (clash != null) {
                    throw new IllegalArgumentException("two probes are named \"" + name + "\": " + clash.origin()
                            + " and " + inst.origin() + "; rename one or remove its jar");
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            closeQuietly(loader);
            throw new IllegalArgumentException("cannot load the probes " + (jars.isEmpty() ? "of descent"
                    : "in " + jars.stream().map(Path::toString).collect(Collectors.joining(", ")))
                    + ": " + e.getMessage() + (e.getCause() != null ? " (" + e.getCause() + ")" : ""), e);
        } catch (RuntimeException e) {
            closeQuietly(loader);
            throw e;
        }
        return new ProbeRegistry(byName, loader, List.copyOf(jars));
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

    private static Path jarOf(Class<?> type, List<Path> jars) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        if (cs != null && cs.getLocation() != null) {
            try {
                Path p = Path.of(cs.getLocation().toURI());
                for (Path j : jars) {
                    if (j.toAbsolutePath().normalize().equals(p.toAbsolutePath().normalize())) {
                        return j;
                    }
                }
                return p;
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                // fall through
            }
        }
        return jars.get(0);
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
        return jars.stream().filter(j -> !used.contains(j.toString())).toList();
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
