package io.coffer.repo;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.PatternSyntaxException;

/**
 * Entries chosen by glob patterns: those a backup leaves out, and those a restore leaves out or
 * takes (the JDK's glob syntax: {@code *} within a name, {@code **} across directories, {@code ?},
 * {@code [abc]}, {@code {a,b}}):
 * <ul>
 *   <li>a pattern without {@code /} matches the name of an entry at any depth ({@code *.tmp},
 *       {@code node_modules});
 *   <li>a pattern with {@code /} matches the entry's path relative to the backup source, from
 *       its top ({@code cache/**}, {@code /pg_wal/*}; a leading {@code /} means the same);
 *   <li>a trailing {@code /} makes a pattern match directories only ({@code tmp/}).
 * </ul>
 * A directory that a backup leaves out is not read at all. The top itself is never matched.
 */
public final class PathPatterns {
    public static final PathPatterns NONE = new PathPatterns(List.of());

    private record Rule(PathMatcher matcher, boolean byName, boolean dirsOnly) {}

    private final List<Rule> rules;

    private PathPatterns(List<Rule> rules) {
        this.rules = rules;
    }

    /**
     * Compiles the patterns; a bad one raises {@link IllegalArgumentException} naming it ({@code
     * what}: "exclude" or "include", for the message).
     */
    public static PathPatterns of(String what, List<String> patterns) {
        if (patterns.isEmpty()) return NONE;
        var fs = FileSystems.getDefault();
        List<Rule> rules = new ArrayList<>();
        for (String p : patterns) {
            String g = p;
            boolean dirsOnly = g.endsWith("/");
            if (dirsOnly) g = g.substring(0, g.length() - 1);
            boolean anchored = g.startsWith("/");
            if (anchored) g = g.substring(1);
            if (g.isEmpty() || g.startsWith("/") || g.endsWith("/")) {
                throw new IllegalArgumentException(what + " pattern '" + p + "' names no file (give e.g. '*.tmp', 'cache/', 'var/log/**')");
            }
            try {
                rules.add(new Rule(fs.getPathMatcher("glob:" + g), !anchored && !g.contains("/"), dirsOnly));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(what + " pattern '" + p + "' is not a valid glob: " + e.getDescription());
            }
        }
        return new PathPatterns(List.copyOf(rules));
    }

    /** True when a pattern matches a path (it holds a '/'), not only a name. */
    public boolean anyPath() {
        for (Rule r : rules) if (!r.byName()) return true;
        return false;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** Whether the entry at {@code rel} (relative to the top; its last name is the entry's) matches a pattern. */
    public boolean matches(Path rel, boolean dir) {
        for (Rule r : rules) {
            if (r.dirsOnly() && !dir) continue;
            if (r.matcher().matches(r.byName() ? rel.getFileName() : rel)) return true;
        }
        return false;
    }
}
