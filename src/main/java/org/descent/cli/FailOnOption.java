package org.descent.cli;

import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --fail-on inconsistent|unsupported}: an opt-in exit code {@value Main#EXIT_VERDICT} for a verdict a script or
 * CI job does not accept. Without it the exit code does not depend on the verdict.
 */
final class FailOnOption {
    /** Which verdicts fail. */
    enum Level {
        /** the claim is refuted: inconsistent (verify, compare, probe), not supported (reproduce, verify --seeds) */
        INCONSISTENT,
        /** anything short of confirmed: inconsistent or inconclusive, not supported or inconclusive */
        UNSUPPORTED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What the evidence says about the claim, whatever a command calls it. */
    enum Verdict {
        /** consistent / supported */
        CONFIRMED,
        /** inconsistent / not supported */
        REFUTED,
        /** inconclusive */
        OPEN
    }

    @Option(names = "--fail-on", paramLabel = "inconsistent|unsupported", converter = LevelConverter.class,
            description = "Exit " + Main.EXIT_VERDICT + " when the verdict refutes the claim (inconsistent, not "
                    + "supported), or with 'unsupported' when it does not confirm it (inconclusive too); other failures "
                    + "keep their own exit codes (default: the exit code ignores the verdict). See README 'Exit codes'.")
    Level level;

    /**
     * The exit code for {@code verdict} (0 or {@value Main#EXIT_VERDICT}); says on {@code err} why when it is not 0.
     *
     * @param label the verdict as the command printed it
     */
    int exitCode(Verdict verdict, String label, PrintWriter err) {
        boolean fails = level == Level.INCONSISTENT ? verdict == Verdict.REFUTED
                : level == Level.UNSUPPORTED && verdict != Verdict.CONFIRMED;
        if (!fails) {
            return 0;
        }
        err.println("descent: the verdict (" + label + ") matches --fail-on " + level + ": exit " + Main.EXIT_VERDICT);
        err.flush();
        return Main.EXIT_VERDICT;
    }

    /** The verdict of verify and compare ("consistent", "inconsistent", "inconclusive"). */
    static Verdict ofComparison(String verdict) {
        return switch (verdict) {
            case "consistent" -> Verdict.CONFIRMED;
            case "inconsistent" -> Verdict.REFUTED;
            default -> Verdict.OPEN;
        };
    }

    /** The verdict of a reproduction. */
    static Verdict ofClaim(org.descent.experiment.reproduce.Verdict verdict) {
        return switch (verdict) {
            case SUPPORTED -> Verdict.CONFIRMED;
            case NOT_SUPPORTED -> Verdict.REFUTED;
            case INCONCLUSIVE -> Verdict.OPEN;
        };
    }

    /** Several verdicts judged together: refuted when any is, confirmed when all are, open otherwise. */
    static Verdict all(java.util.Collection<Verdict> verdicts) {
        if (verdicts.contains(Verdict.REFUTED)) {
            return Verdict.REFUTED;
        }
        return verdicts.stream().allMatch(v -> v == Verdict.CONFIRMED) ? Verdict.CONFIRMED : Verdict.OPEN;
    }

    /** The verdict of a probe hypothesis. */
    static Verdict ofOutcome(org.descent.probe.Outcome outcome) {
        return switch (outcome) {
            case CONSISTENT -> Verdict.CONFIRMED;
            case INCONSISTENT -> Verdict.REFUTED;
            case INCONCLUSIVE -> Verdict.OPEN;
        };
    }

    /** "inconsistent" or "unsupported", any case; anything else is a usage error naming the two. */
    static final class LevelConverter implements picocli.CommandLine.ITypeConverter<Level> {
        @Override
        public Level convert(String value) {
            for (Level l : Level.values()) {
                if (l.toString().equalsIgnoreCase(value.trim())) {
                    return l;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a --fail-on level; use "
                    + "inconsistent or unsupported" + Suggestions.didYouMean(value, java.util.List.of("inconsistent",
                            "unsupported")));
        }
    }
}
