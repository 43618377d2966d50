package org.descent.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The command line that started the current run, as typed ({@code ./descent verify --seeds 2 --steps 500}), so that
 * every report can say how to reproduce it. The CLI records its arguments around the execution of a command
 * ({@link #record}); reports built through the Java API without the CLI (tests, other programs) have none, and say
 * so. The record is per thread (inherited by threads the command starts), so concurrent runs in one JVM do not see
 * each other's command lines.
 */
public final class Invocation {
    /** How the launcher is typed from the repository root. */
    public static final String PROGRAM = "./descent";

    private static final InheritableThreadLocal<List<String>> CURRENT = new InheritableThreadLocal<>();
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private Invocation() {}

    /** A recorded invocation; {@link #close()} forgets it (use with try-with-resources around the command). */
    public static final class Scope implements AutoCloseable {
        private final List<String> previous;

        private Scope(List<String> previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** Records the arguments of a CLI run (without the program name) until the returned scope is closed. */
    public static Scope record(String... args) {
        List<String> previous = CURRENT.get();
        List<String> copy = new ArrayList<>();
        for (String a : args) {
            copy.add(a == null ? "" : a);
        }
        CURRENT.set(List.copyOf(copy));
        return new Scope(previous);
    }

    /** The command line of the current run, shell-quoted, or empty when the run did not come from the CLI. */
    public static Optional<String> commandLine() {
        List<String> args = CURRENT.get();
        return args == null ? Optional.empty() : Optional.of(commandLine(args));
    }

    /** {@code ./descent} followed by the arguments, each quoted for a POSIX shell where it needs it. */
    public static String commandLine(List<String> args) {
        StringBuilder sb = new StringBuilder(PROGRAM);
        for (String a : args) {
            sb.append(' ').append(quote(a));
        }
        return sb.toString();
    }

    /** One shell word: as is when it has only safe characters, else in single quotes. */
    static String quote(String arg) {
        if (!arg.isEmpty() && PLAIN.matcher(arg).matches()) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }
}
