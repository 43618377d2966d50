package org.descent.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * "Did you mean" for mistyped commands, options and preset names: the known names closest to what was typed, by edit
 * distance with adjacent transpositions (optimal string alignment), or that start with it.
 */
final class Suggestions {
    /** A candidate is close when its distance is at most this fraction of the typed length (and at least 1, at most 3). */
    private static final double MAX_DISTANCE_FRACTION = 0.34;
    private static final int MAX_DISTANCE = 3;
    /** Shorter input gets no suggestion; a typed prefix this long or longer suggests every name it starts. */
    private static final int MIN_PREFIX = 3;

    private Suggestions() {}

    /** The candidates closest to {@code typed} (all tied at the smallest distance), or none when nothing is close. */
    static List<String> closest(String typed, Collection<String> candidates) {
        String t = typed.toLowerCase(Locale.ROOT);
        String bare = stripDashes(t);
        List<String> out = new ArrayList<>();
        if (bare.length() < MIN_PREFIX) {
            return out; // "-x", "ab": too short to say what was meant
        }
        int limit = Math.min(MAX_DISTANCE, Math.max(1, (int) Math.floor(bare.length() * MAX_DISTANCE_FRACTION)));
        int best = Integer.MAX_VALUE;
        for (String c : candidates) {
            String lc = c.toLowerCase(Locale.ROOT);
            if (lc.equals(t) || stripDashes(lc).isEmpty()) {
                continue;
            }
            int dist = distance(bare, stripDashes(lc));
            boolean prefix = stripDashes(lc).startsWith(bare);
            int score = prefix ? Math.min(dist, limit) : dist;
            if (score > limit) {
                continue;
            }
            if (score < best) {
                best = score;
                out.clear();
            }
            if (score == best && !out.contains(c)) {
                out.add(c);
            }
        }
        return out;
    }

    /** {@code "; did you mean 'a' or 'b'?"}, or the empty string when nothing is close. */
    static String didYouMean(String typed, Collection<String> candidates) {
        List<String> c = closest(typed, candidates);
        if (c.isEmpty()) {
            return "";
        }
        return "; did you mean " + c.stream().map(s -> "'" + s + "'").collect(Collectors.joining(" or ")) + "?";
    }

    private static String stripDashes(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '-') {
            i++;
        }
        return s.substring(i);
    }

    /** Edit distance with insertions, deletions, substitutions and transpositions of adjacent characters. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
