package org.descent.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** BuildInfo: what Maven recorded, and the fallback for what it could not. */
class BuildInfoTest {
    private static Properties props(String version, String commit, String describe) {
        Properties p = new Properties();
        p.setProperty("version", version);
        p.setProperty("commit", commit);
        p.setProperty("describe", describe);
        return p;
    }

    @Test
    void thisBuildRecordedItsVersionAndCommit() {
        // The test classes run on a Maven build of this repository, which has a version and (in a git checkout) a
        // commit; "unknown" is allowed for the commit only when the sources are not a git repository.
        assertTrue(BuildInfo.version().matches("\\d+\\.\\d+\\.\\d+.*"), BuildInfo.version());
        assertTrue(BuildInfo.commit().matches("[0-9a-f]{40}") || BuildInfo.commit().equals(BuildInfo.UNKNOWN),
                BuildInfo.commit());
        assertTrue(BuildInfo.summary().startsWith("descent " + BuildInfo.version() + " (commit "), BuildInfo.summary());
    }

    @Test
    void filledValuesAreKept() {
        String sha = "0123456789abcdef0123456789abcdef01234567";
        assertEquals("1.2.3 " + sha + " 0123456789ab-dirty",
                BuildInfo.parse(props("1.2.3", sha, "0123456789ab-dirty")).toString());
    }

    @Test
    void placeholdersAndJunkBecomeUnknown() {
        // a build without git leaves the Maven placeholders in place
        assertEquals("1.2.3 unknown unknown",
                BuildInfo.parse(props("1.2.3", "${descent.git.commit}", "${descent.git.describe}")).toString());
        assertEquals("unknown unknown unknown", BuildInfo.parse(new Properties()).toString());
        assertEquals("unknown unknown unknown", BuildInfo.parse(props("${project.version}", "", "")).toString());
        // an error message in place of a commit id is not a commit
        assertEquals("1.0 unknown unknown",
                BuildInfo.parse(props("1.0", "fatal: not a git repository", "x")).toString());
        // a commit without a usable describe falls back to its abbreviation
        String sha = "89abcdef0123456789abcdef0123456789abcdef";
        assertEquals("1.0 " + sha + " 89abcdef0123", BuildInfo.parse(props("1.0", sha, "")).toString());
    }
}
