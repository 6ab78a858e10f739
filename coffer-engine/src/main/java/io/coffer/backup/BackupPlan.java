package io.coffer.backup;

import java.util.List;

/**
 * What a backup would read ({@link BackupRunner#plan}): the files that are new or changed since the
 * parent, with their sizes, and how many are unchanged or left out.
 *
 * @param files the files to read, by path from the source's top (for people), in path order
 * @param bytesToRead their sizes summed
 */
public record BackupPlan(String source, String parent, List<Entry> files, long filesSeen, long filesUnchanged, long dirs, long excluded,
        long bytesToRead, List<String> warnings) {
    public static final String NEW = "new";
    public static final String CHANGED = "changed";

    /** {@code reason}: {@link #NEW} (not in the parent) or {@link #CHANGED} (size, mtime, ctime or inode differ). */
    public record Entry(String path, long size, String reason) {}

    public BackupPlan {
        files = List.copyOf(files);
        warnings = List.copyOf(warnings);
    }
}
