package org.descent.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * What was built: descent's version and the git commit of the sources, recorded by Maven at build time in
 * {@code org/descent/util/build-info.properties} (resource filtering; the commit from {@code git rev-parse HEAD} and
 * {@code git describe --always --dirty} run in the project folder). A build outside a git repository, or without git,
 * has commit {@value #UNKNOWN}; classes that were not built by Maven at all (no resource) have version
 * {@value #UNKNOWN} too.
 */
public final class BuildInfo {
    /** The value of anything the build could not record. */
    public static final String UNKNOWN = "unknown";
    static final String RESOURCE = "build-info.properties";

    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
    private static final Pattern DESCRIBE = Pattern.compile("[0-9A-Za-z._/+-]+");
    private static final BuildInfo CURRENT = load();

    private final String version;
    private final String commit;
    private final String describe;

    private BuildInfo(String version, String commit, String describe) {
        this.version = version;
        this.commit = commit;
        this.describe = describe;
    }

    /** descent's version (the Maven project version, e.g. {@code 0.1.0-SNAPSHOT}), or {@value #UNKNOWN}. */
    public static String version() {
        return CURRENT.version;
    }

    /** The full git commit id the sources were built from, or {@value #UNKNOWN}. */
    public static String commit() {
        return CURRENT.commit;
    }

    /**
     * Whether tracked files differed from {@link #commit()} at build time ({@code git describe --dirty}); false when the
     * commit is unknown.
     */
    public static boolean dirty() {
        return CURRENT.describe.endsWith("-dirty");
    }

    /** {@code git describe --always --dirty} at build time (a tag, or the abbreviated commit, plus "-dirty"). */
    public static String describe() {
        return CURRENT.describe;
    }

    /** One line for {@code --version}: version, commit and whether the work tree was dirty. */
    public static String summary() {
        String c = commit().equals(UNKNOWN) ? "commit unknown (built outside a git repository)"
                : "commit " + commit() + (dirty() ? " with uncommitted changes" : "");
        return "descent " + version() + " (" + c + ")";
    }

    private static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + " from descent's classes", e);
        }
        return parse(p);
    }

    /** The build info in {@code p}; a value the build did not fill in (a placeholder, blank, malformed) is unknown. */
    static BuildInfo parse(Properties p) {
        String version = p.getProperty("version", "").trim();
        if (version.isEmpty() || version.contains("${")) {
            version = UNKNOWN;
        }
        String commit = p.getProperty("commit", "").trim();
        if (!COMMIT.matcher(commit).matches()) {
            commit = UNKNOWN;
        }
        String describe = p.getProperty("describe", "").trim();
        if (commit.equals(UNKNOWN) || !DESCRIBE.matcher(describe).matches()) {
            describe = commit.equals(UNKNOWN) ? UNKNOWN : commit.substring(0, 12);
        }
        return new BuildInfo(version, commit, describe);
    }

    /** {@code version commit describe}. */
    @Override
    public String toString() {
        return version + " " + commit + " " + describe;
    }
}
