package io.coffer.restore;

import io.coffer.repo.PathPatterns;
import io.coffer.sys.FileNames;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Restore's {@code --delete}: removes every entry below {@code top} that the restore did not
 * write, a directory with all it holds; symlinks are deleted, not followed; another file system
 * mounted inside is left alone; what the excludes and includes leave out stays. One that cannot
 * be deleted or looked at is a warning.
 */
final class ExtraEntries {
    private final Path top;
    /** {@code top} relative to the backup's top, as patterns see it. */
    private final Path topRel;
    private final PathPatterns excludes;
    private final PathPatterns includes;
    /** What the restore wrote: directories, files and links. */
    private final Set<Path> planned;
    /** Entries of the backup that the patterns left out. */
    private final Set<Path> unselected;
    private final List<String> warnings;
    private final Set<Path> touched = new HashSet<>();

    ExtraEntries(Path top, Path topRel, PathPatterns excludes, PathPatterns includes, Set<Path> planned, Set<Path> unselected, List<String> warnings) {
        this.top = top;
        this.topRel = topRel;
        this.excludes = excludes;
        this.includes = includes;
        this.planned = planned;
        this.unselected = unselected;
        this.warnings = warnings;
    }

    /** The directories whose entries {@link #delete} removed (their times changed). */
    Set<Path> touched() {
        return touched;
    }

    /** Deletes what the restore did not write; returns how many entries went. */
    long delete() throws IOException {
        if (Files.isSymbolicLink(top) || !Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) return 0;
        Object device = Files.getAttribute(top, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        long[] n = {0};
        Files.walkFileTree(top, new Walk() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                if (d.equals(top)) return FileVisitResult.CONTINUE;
                if (!device.equals(Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
                    warnings.add("--delete: " + d + " is another file system (a mount point); nothing in it was deleted");
                    return FileVisitResult.SKIP_SUBTREE;
                }
                // first: a directory whose listing could not be read is planned (it is made) and unselected
                if (unselected.contains(d)) return FileVisitResult.SKIP_SUBTREE;
                if (planned.contains(d)) return FileVisitResult.CONTINUE;
                Path rel = relOf(d);
                if (excludes.matches(rel, true)) return FileVisitResult.SKIP_SUBTREE;
                if (!selected(rel, true)) return FileVisitResult.CONTINUE; // kept, but what it holds may be selected
                n[0] += deleteTree(d);
                touched.add(d.getParent());
                return FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                if (planned.contains(f) || unselected.contains(f)) return FileVisitResult.CONTINUE;
                Path rel = relOf(f);
                if (!excludes.matches(rel, false) && selected(rel, false) && delete(f) == 1) {
                    n[0]++;
                    touched.add(f.getParent());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return n[0];
    }

    /** An entry of the target below {@code top} as patterns see it: relative to the backup's top. */
    private Path relOf(Path p) {
        return topRel.resolve(FileNames.logical(top.relativize(p).toString()));
    }

    /** Whether an entry the backup does not hold may go: without includes, any; with them, one at or below a match. */
    private boolean selected(Path rel, boolean dir) {
        if (includes.isEmpty()) return true;
        for (Path p = rel; p != null && !p.toString().isEmpty(); p = p.getParent()) {
            if (includes.matches(p, p == rel ? dir : true)) return true;
        }
        return false;
    }

    /** A walk: what cannot be looked at is a warning, and the walk goes on. */
    private class Walk extends SimpleFileVisitor<Path> {
        @Override
        public FileVisitResult visitFileFailed(Path f, IOException e) {
            warnings.add("--delete: cannot look at " + f + ": " + e.getMessage());
            return FileVisitResult.CONTINUE;
        }
    }

    /** Deletes a directory that the backup does not hold, and everything in it; returns how many entries went. */
    private long deleteTree(Path dir) throws IOException {
        long[] n = {0};
        Files.walkFileTree(dir, new Walk() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                n[0] += delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) {
                n[0] += delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
        return n[0];
    }

    private int delete(Path p) {
        try {
            Files.delete(p);
            return 1;
        } catch (IOException e) {
            warnings.add("--delete: cannot delete " + p + ": " + e.getMessage());
            return 0;
        }
    }
}
