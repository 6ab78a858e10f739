package io.coffer.restore;

import io.coffer.repo.BlobId;
import io.coffer.repo.Manifest;
import io.coffer.repo.MasterIndex;
import io.coffer.repo.Node;
import io.coffer.repo.PathPatterns;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.repo.Trace;
import io.coffer.repo.Tree;
import io.coffer.sys.FileNames;
import io.coffer.sys.Posix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restores a backup, or one path of it, into a target directory (or, for file backups, a file or
 * block device).
 *
 * <pre>
 *   plan: walk the trees; refuse unsafe names ("..", "/", duplicates) before
 *         anything is written; list dirs and links; map the blobs of files to (file, offset),
 *         a batch of at most BATCH_USES blobs (or BATCH_FILES files) at a time, reading a
 *         large file's chunk lists one by one
 *   each batch:
 *     dirs: create those planned so far, parents first, never through a symlink
 *     data: per range of a pack (packs in order of first use; ranges in parallel): read the
 *           range once, decrypt + decompress + verify every blob straight into a write batch, one
 *           positional write per run of consecutive blobs of a file; zero pages are not written
 *           (holes). A file is finished (owner, mode, mtime) when its last blob is written and
 *           it is planned whole (a large file spans batches).
 *   then: hard links, symlinks, fifos and devices; directory metadata deepest first
 * </pre>
 * Memory holds one batch's plan, the directories and the links, never a reference per block of
 * the whole backup. A damaged blob fails only the files that use it: they are removed and named
 * in the result.
 */
public final class RestoreRunner {
    private final Repository repo;
    private final RestoreOptions opts;
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    /** Set once a file's zero runs could not be allocated (one warning says so). */
    private final java.util.concurrent.atomic.AtomicBoolean unallocated = new java.util.concurrent.atomic.AtomicBoolean();
    private static final int NO_SPACE = 28; // ENOSPC
    private final AtomicLong filesDone = new AtomicLong();
    private long totalBytes;

    private final List<DirJob> dirs = new ArrayList<>();
    /**
     * Blobs and files of one batch: a restore plans and writes this many at a time. 65,536 uses
     * of 8 KiB pages are 512 MiB of data, and their plan about 8 MiB of heap.
     */
    static final int BATCH_USES = 1 << 16;
    static final int BATCH_FILES = 1 << 14;
    private int maxBatchUses = BATCH_USES;
    private int maxBatchFiles = BATCH_FILES;
    private final List<Entry> links = new ArrayList<>();
    private final Map<String, FileJob> linkGroups = new HashMap<>();
    /** The current batch: uses by pack, its files without blobs to write, and its size. */
    private Map<String, List<PackRanges.Use>> byPack = new LinkedHashMap<>();
    private List<FileJob> batchEmpty = new ArrayList<>();
    /** The tasks of the batch before, which may still be writing while the next one is planned. */
    private List<Future<?>> inFlight = List.of();
    private int batchUses;
    private int batchFiles;
    private int batches;
    /** The first of {@link #dirs} not made yet. */
    private int dirsMade;
    private ExecutorService pool;
    /** Files planned (hard links to an earlier one not counted). */
    private long filesPlanned;
    /** Files that failed, deleted at the end. */
    private final List<FileJob> failed = Collections.synchronizedList(new ArrayList<>());
    /** Paths of the files planned, for --delete only (it must know what the restore wrote). */
    private final Set<Path> plannedFiles = new HashSet<>();
    /** True when {@link #totalBytes} comes from the manifest (the whole backup is restored). */
    private boolean totalKnown;
    private final Set<Path> createdDirs = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The mode (umask and default ACL applied) of a file created in the directories made, or NONE. */
    private int freshFileMode = Metadata.NONE;
    private final int threads;
    /** The data path: pack ranges written into the files of this restore. */
    private final PackRanges data;
    private Path root;
    /** Where --delete removes what the backup does not hold: the target, or the directory restored with --path. */
    private Path deleteRoot;
    /** {@link #deleteRoot} relative to the backup's top, as patterns see it. */
    private Path deleteRel;
    private final PathPatterns excludes;
    private final PathPatterns includes;
    /** Entries of the backup that excludes or includes leave out: --delete keeps what stands there. */
    private final Set<Path> unselected = new HashSet<>();
    private boolean device;
    /** The node of a file backup (a device target needs its zero runs). */
    private Node singleNode;
    private Path deviceTarget;

    /** Positional writes of file data made so far (each of at most 4 MiB). */
    public long writeCalls() {
        return data.writeCalls();
    }

    private record DirJob(Path path, Node node, int depth) {}

    private record Entry(Path path, Node node) {}


    public RestoreRunner(Repository repo, RestoreOptions opts) {
        this.repo = repo;
        this.opts = opts;
        this.excludes = PathPatterns.of("exclude", opts.excludes());
        this.includes = PathPatterns.of("include", opts.includes());
        boolean remote = repo.store().remote();
        this.threads = opts.threadsFor(remote);
        this.data = new PackRanges(repo, threads, remote, new PackRanges.Target() {
            @Override
            public FileChannel open(FileJob f) throws IOException {
                return RestoreRunner.this.open(f);
            }

            @Override
            public void fail(FileJob f, String why) {
                RestoreRunner.this.fail(f, why);
            }

            @Override
            public void finish(FileJob f) {
                RestoreRunner.this.finish(f);
            }

            @Override
            public boolean device() {
                return device;
            }
        });
    }

    /** Smaller batches, for tests: a file spans many of them. */
    RestoreRunner withBatches(int uses, int files) {
        maxBatchUses = uses;
        maxBatchFiles = files;
        return this;
    }

    public long bytesDone() {
        return data.bytes();
    }

    public long totalBytes() {
        return totalBytes;
    }

    public long filesDone() {
        return filesDone.get();
    }

    public RestoreResult run(String backupId, Path target) throws IOException {
        Manifest m = repo.loadManifest(backupId);
        Tree top = repo.readTree(m.tree());
        Trace.mark("manifest and root tree read");
        boolean whole = (opts.path() == null || opts.path().isBlank() || opts.path().equals("/") || opts.path().equals("."))
                && includes.isEmpty() && excludes.isEmpty();
        if (whole && m.stats() != null) {
            totalBytes = m.stats().logicalBytes();
            totalKnown = true;
        }
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "coffer-restore");
            t.setDaemon(true);
            return t;
        });
        try {
            if (m.kind().equals(Manifest.FILE)) {
                planFile(top, target);
            } else {
                planDir(m, top, target);
            }
            runBatch();
            awaitWrites();
        } finally {
            io.coffer.repo.Pools.stop(pool); // no writer may outlive a cancelled restore (its staging is wiped next)
        }
        Trace.mark("data written: %d files, %d dirs, %d batches, %d write calls", filesPlanned, dirs.size(), batches, data.writeCalls());
        finishAll();
        Trace.mark("restored");
        long deleted = 0;
        if (opts.delete() && deleteRoot != null) {
            if (errors.isEmpty()) deleted = deleteExtras(deleteRoot);
            else warnings.add("nothing deleted (--delete): the restore had errors");
        } else if (opts.delete()) {
            warnings.add("nothing deleted (--delete): what was restored is one file, not a directory");
        }
        return new RestoreResult(filesPlanned - failed.size(), dirs.size(), links.size(), data.written(), deleted, errors, warnings);
    }

    private void planFile(Tree top, Path target) throws IOException {
        if (top.nodes().size() != 1) throw new RepositoryException(RepositoryException.Kind.CORRUPT, "file backup's root tree holds " + top.nodes().size() + " nodes");
        Node n = top.nodes().get(0);
        singleNode = n;
        Path out = target.toAbsolutePath().normalize();
        if (Files.isDirectory(out)) out = FileNames.resolve(out, n.name());
        device = Files.exists(out) && !Files.isRegularFile(out, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(out);
        if (Files.isSymbolicLink(out)) throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "restore target " + out + " is a symlink; give the real path");
        root = out.getParent();
        if (device) {
            deviceTarget = out;
            runBatch(); // the device's zero runs are written before any data
            awaitWrites();
        }
        planNode(out, n, FileNames.logical(n.name()));
    }

    private void planDir(Manifest m, Tree top, Path target) throws IOException {
        root = target.toAbsolutePath().normalize();
        if (opts.delete() && root.getParent() == null) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT,
                    "restore --delete into " + root + " would delete everything the backup does not hold there; restore into the directory the backup is of");
        }
        if (Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(root)) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "restore target " + root + " exists and is not a directory");
        }
        if (opts.path() == null || opts.path().isBlank() || opts.path().equals("/") || opts.path().equals(".")) {
            deleteRoot = root;
            deleteRel = Path.of("");
            if (m.root() != null) dirs.add(new DirJob(root, m.root(), 0));
            planTree(root, top, Path.of(""), 1, includes.isEmpty());
            return;
        }
        String[] parts = opts.path().replaceAll("^/+|/+$", "").split("/+");
        Tree cur = top;
        Path out = root;
        Path rel = Path.of("");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            Node found = cur.child(part);
            if (found == null) {
                throw new RepositoryException(RepositoryException.Kind.NOT_FOUND, "path " + opts.path() + " is not in backup (no '" + part + "')");
            }
            out = FileNames.resolve(out, found.name());
            rel = rel.resolve(FileNames.logical(found.name()));
            if (i == parts.length - 1) {
                if (found.isDir()) {
                    deleteRoot = out;
                    deleteRel = rel;
                }
                planNode(out, found, rel);
            } else {
                if (!found.isDir()) throw new RepositoryException(RepositoryException.Kind.NOT_FOUND, "path " + opts.path() + ": '" + part + "' is not a directory");
                dirs.add(new DirJob(out, found, i + 1));
                cur = repo.readTree(found.subtree());
            }
        }
    }

    /**
     * Deletes every entry below {@code top} that this restore did not write (--delete, see
     * {@link ExtraEntries}), then sets the times of the directories it deleted from again.
     */
    private long deleteExtras(Path top) throws IOException {
        Set<Path> planned = new HashSet<>(plannedFiles);
        for (DirJob d : dirs) planned.add(d.path());
        for (Entry e : links) planned.add(e.path());
        ExtraEntries extras = new ExtraEntries(top, deleteRel, excludes, includes, planned, unselected, warnings);
        long n = extras.delete();
        for (DirJob d : dirs) { // their times as the backup has them again
            if (!extras.touched().contains(d.path())) continue;
            try {
                Metadata.apply(d.path(), d.node(), false);
            } catch (IOException e) {
                warnings.add("cannot set metadata of " + d.path() + ": " + e.getMessage());
            }
        }
        return n;
    }

    /**
     * Plans a tree's entries. {@code within}: everything here is to be restored (no include
     * patterns, or a directory above matched one); else an entry is restored when it matches an
     * include, and a directory when something below it is. What the patterns leave out is noted in
     * {@link #unselected}, which --delete does not touch.
     */
    private void planTree(Path dir, Tree tree, Path rel, int depth, boolean within) throws IOException {
        for (Node n : tree.nodes()) {
            Path p = FileNames.resolve(dir, n.name());
            Path childRel = rel.resolve(FileNames.logical(n.name()));
            if (!excludes.isEmpty() && excludes.matches(childRel, n.isDir())) {
                unselected.add(p);
                continue;
            }
            boolean hit = within || includes.matches(childRel, n.isDir());
            if (n.isDir()) {
                int at = dirs.size(), l0 = links.size();
                long f0 = filesPlanned;
                dirs.add(new DirJob(p, n, depth));
                planTree(p, subtree(p, n), childRel, depth + 1, hit);
                // nothing below it is wanted (and so no batch ran since: it is not made yet)
                if (!hit && dirs.size() == at + 1 && filesPlanned == f0 && links.size() == l0 && dirsMade <= at) {
                    dirs.remove(at);
                    unselected.add(p);
                }
            } else if (hit) {
                planNode(p, n, childRel);
            } else {
                unselected.add(p);
            }
        }
    }

    /**
     * The tree of directory {@code n}, restored at {@code p}; empty when its blob is damaged or
     * missing. Then the directory is made, nothing below it is, the error names it, and --delete
     * leaves what is there alone: every other part of the backup is restored as usual.
     */
    private Tree subtree(Path p, Node n) throws IOException {
        try {
            return repo.readTree(n.subtree());
        } catch (RepositoryException e) {
            if (e.kind() != RepositoryException.Kind.CORRUPT) throw e;
            errors.add(p + "/: the directory's listing cannot be read (" + e.getMessage() + "); nothing below it was restored");
            unselected.add(p);
            return Tree.of(List.of());
        }
    }

    private void planNode(Path out, Node n, Path rel) throws IOException {
        switch (n.type()) {
            case Node.DIR -> {
                dirs.add(new DirJob(out, n, rel.getNameCount()));
                planTree(out, subtree(out, n), rel, rel.getNameCount() + 1, includes.isEmpty());
            }
            case Node.FILE -> planFileNode(out, n);
            // a symlink is made exactly as it was, wherever it points (as tar, restic and borg do):
            // links are made after every file and directory, and nothing is written through one
            case Node.SYMLINK -> links.add(new Entry(out, n));
            default -> links.add(new Entry(out, n));
        }
    }

    /** Stops planning a file whose blob is missing. */
    private static final class MissingBlob extends IOException {
        MissingBlob(String message) {
            super(message);
        }
    }

    /**
     * Plans a file's blobs into the current batch, running the batch whenever it is full (a large
     * file spans batches: it is finished only once planned whole, so its {@code remaining} holds
     * one more until then).
     */
    private void planFileNode(Path out, Node n) throws IOException {
        FileJob job = new FileJob(out, n);
        if (n.link() != null) {
            FileJob first = linkGroups.putIfAbsent(n.link(), job);
            if (first != null) {
                links.add(new Entry(out, n));
                return;
            }
        }
        filesPlanned++;
        if (opts.delete()) plannedFiles.add(out);
        if (!totalKnown) totalBytes += job.size;
        job.expect(1);
        long[] off = {0};
        try {
            repo.forEachChunk(n, ref -> {
                if (Node.isZero(ref)) {
                    off[0] += Node.zeroLength(ref);
                    return;
                }
                BlobId id = BlobId.parse(ref);
                MasterIndex.Location loc = repo.index().find(id);
                if (loc == null) throw new MissingBlob("blob " + id.shortHex() + " at offset " + off[0] + " is missing from the repository");
                byPack.computeIfAbsent(loc.pack().id(), k -> new ArrayList<>()).add(new PackRanges.Use(id, loc, job, off[0]));
                job.expect(1);
                off[0] += loc.rawLength();
                if (++batchUses >= maxBatchUses) runBatch();
            });
            if (off[0] != n.size()) fail(job, "chunk lengths add up to " + off[0] + " bytes, the file had " + n.size());
        } catch (MissingBlob | RepositoryException e) { // also a chunk list that cannot be read: this file only
            fail(job, e.getMessage());
        }
        if (job.written(1) && !job.failed) {
            if (job.created) finish(job); // every blob was written by earlier batches
            else batchEmpty.add(job);     // nothing to write: created empty (or sized) by the batch
        }
        if (++batchFiles >= maxBatchFiles) runBatch();
    }

    /**
     * Creates and removes an empty file in one of the directories this restore made, to learn the
     * mode a new file gets there: 0666 under the umask, or under the directory's default ACL,
     * which the directories made inherit alike. Files restored with exactly that mode then skip
     * their chmod (one system call for each of 200,000 small files). NONE when there is no such
     * directory or the probe fails: every file is then chmod-ed as before.
     */
    private int probeFreshFileMode() {
        if (device || createdDirs.isEmpty()) return Metadata.NONE;
        Path dir = createdDirs.iterator().next();
        Path probe = dir.resolve(".coffer-mode-probe-" + Long.toHexString(System.nanoTime()));
        try {
            Files.newByteChannel(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS).close();
            try {
                return (Integer) Files.getAttribute(probe, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
            } finally {
                Files.delete(probe);
            }
        } catch (IOException | RuntimeException e) {
            return Metadata.NONE;
        }
    }

    private void fail(FileJob job, String why) {
        synchronized (job) {
            if (job.failed) return;
            job.failed = true;
        }
        failed.add(job);
        errors.add(job.path + ": " + why + " (file not restored)");
        // its space goes back at once, not at the end: on a target that filled up, the files that
        // still fit are restored (a large file that failed no longer holds what they need)
        if (device) return;
        synchronized (job.writing) { // after the write in progress; later ones see it failed
            data.takeBack(job.bytesWritten);
            job.bytesWritten = 0;
            boolean created;
            synchronized (job) {
                created = job.created;
            }
            if (!created) return;
            try (FileChannel ch = FileChannel.open(job.path, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                ch.truncate(0);
            } catch (IOException | RuntimeException e) {
                // removed at the end in any case
            }
        }
    }

    /**
     * Starts writing the current batch: makes the directories planned so far, submits the batch's
     * blobs, pack range by pack range, to the pool, then waits for the batch before it. So the
     * next batch is planned (its chunk lists read, its blobs looked up) while this one is written,
     * and at most two batches are in memory.
     */
    private void runBatch() throws IOException {
        if (batches == 0 || dirsMade < dirs.size()) {
            for (; dirsMade < dirs.size(); dirsMade++) mkdir(dirs.get(dirsMade).path());
            if (batches == 0) {
                if (!Files.isDirectory(root)) mkdir(root);
                freshFileMode = probeFreshFileMode();
                Trace.mark("directories made");
                if (device) zeroDeviceRanges();
            }
        }
        batches++;
        List<Future<?>> futures = new ArrayList<>();
        for (FileJob f : batchEmpty) futures.add(pool.submit(() -> finishEmpty(f)));
        List<List<PackRanges.Use>> ranges = new ArrayList<>();
        for (List<PackRanges.Use> uses : byPack.values()) ranges.addAll(PackRanges.ranges(uses, data.maxRange));
        // asked for now, while the batch before is still written: the pack reads of this batch then
        // find their bytes in the page cache instead of waiting behind those writes
        for (List<PackRanges.Use> range : ranges) data.prefetch(range);
        for (List<PackRanges.Use> range : ranges) futures.add(pool.submit(() -> data.restoreRange(range)));
        byPack = new LinkedHashMap<>();
        batchEmpty = new ArrayList<>();
        batchUses = 0;
        batchFiles = 0;
        List<Future<?>> before = inFlight;
        inFlight = futures;
        await(before);
    }

    /** Waits for the last batch. */
    private void awaitWrites() throws IOException {
        List<Future<?>> last = inFlight;
        inFlight = List.of();
        await(last);
    }

    private static void await(List<Future<?>> futures) throws IOException {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) throw io;
                if (c instanceof RuntimeException r) throw r;
                throw new IOException(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("restore interrupted");
            }
        }
    }

    /** After the data: failed files removed, then links, then directory metadata, deepest first. */
    private void finishAll() throws IOException {
        for (FileJob f : failed) Files.deleteIfExists(f.path);
        SpecialEntries special = new SpecialEntries(createdDirs, linkGroups, errors, warnings);
        for (Entry e : links) special.restore(e.path(), e.node());
        dirs.sort(Comparator.comparingInt(DirJob::depth).reversed());
        for (DirJob d : dirs) {
            try {
                // a directory this restore made in one it made is owned by this process already
                Metadata.apply(d.path(), d.node(), createdDirs.contains(d.path()) && createdDirs.contains(d.path().getParent()));
            } catch (IOException e) {
                warnings.add("cannot set metadata of " + d.path() + ": " + e.getMessage());
            }
        }
    }

    private void mkdir(Path p) throws IOException {
        Path parent = p.getParent();
        if (parent != null && createdDirs.contains(parent)) {
            // in a directory this restore made, nothing stands in the way: one call, no checks
            Files.createDirectory(p);
            createdDirs.add(p);
            return;
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) return;
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.delete(p); // a file or symlink where the backup has a directory
            } catch (DirectoryNotEmptyException e) {
                throw new RepositoryException(RepositoryException.Kind.CONFLICT, "cannot replace " + p + " with a directory");
            }
        }
        if (parent != null && !Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) mkdir(parent);
        Files.createDirectory(p);
        createdDirs.add(p);
    }

    private void finishEmpty(FileJob f) {
        try {
            open(f).close();
            finish(f);
        } catch (IOException e) {
            fail(f, "cannot write: " + e.getMessage());
        }
    }

    /** Opens a file for positional writes; the first open creates it, empty, at its full size. */
    private FileChannel open(FileJob f) throws IOException {
        synchronized (f) {
            if (!f.created && !device) {
                f.created = true;
                // In a directory this restore created, nothing can stand in the way: skip the checks.
                boolean fresh = createdDirs.contains(f.path.getParent());
                if (!fresh && Files.exists(f.path, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(f.path, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(f.path); // a symlink or special file where the backup has a file: never write through it
                }
                FileChannel ch = FileChannel.open(f.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
                if (f.endsWithHole) {
                    try (var raf = new java.io.RandomAccessFile(f.path.toFile(), "rw")) {
                        raf.setLength(f.size); // the trailing zero run stays a hole
                    }
                }
                return ch;
            }
        }
        return FileChannel.open(f.path, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    /** A block device may hold old data, so its zero runs are written rather than left as holes. */
    private void zeroDeviceRanges() throws IOException {
        byte[] zeros = new byte[1 << 20];
        try (FileChannel ch = FileChannel.open(deviceTarget, StandardOpenOption.WRITE)) {
            long[] off = {0};
            repo.forEachChunk(singleNode, ref -> {
                if (!Node.isZero(ref)) {
                    MasterIndex.Location loc = repo.index().find(BlobId.parse(ref));
                    off[0] += loc == null ? 0 : loc.rawLength();
                    return;
                }
                long end = off[0] + Node.zeroLength(ref);
                while (off[0] < end) {
                    int n = (int) Math.min(zeros.length, end - off[0]);
                    off[0] += ch.write(ByteBuffer.wrap(zeros, 0, n), off[0]);
                }
            });
        }
    }

    private void finish(FileJob f) {
        if (device) {
            filesDone.incrementAndGet();
            return;
        }
        if ((f.allocated || f.extents != null) && !opts.sparse() && !allocate(f)) return;
        try {
            boolean created = createdDirs.contains(f.path.getParent());
            // a file this restore created already has the mode its creation gives: no chmod then
            int mode = created && f.mode == freshFileMode ? Metadata.NONE : f.mode;
            Metadata.apply(f.path, Node.FILE, mode, f.uid, f.gid, f.mtime, f.xattrs, created);
        } catch (IOException e) {
            warnings.add("cannot set metadata of " + f.path + ": " + e.getMessage());
        }
        filesDone.incrementAndGet();
    }

    /**
     * Allocates the zero runs of a file as they were: all of a file that had no holes (a
     * database's zero-filled segment must not fail a later write for want of space), the data
     * extents of one that had holes. False when the file failed for it.
     */
    private boolean allocate(FileJob f) {
        int rc = f.allocated ? Posix.allocate(f.path, f.size) : Posix.allocate(f.path, f.extents);
        if (rc == 0) return true;
        if (rc == NO_SPACE) {
            fail(f, "no space left to allocate its " + f.size + " bytes (its zero runs were allocated in the backup's source; --sparse leaves them holes)");
            return false;
        }
        if (!unallocated.getAndSet(true)) {
            warnings.add("allocated zero runs are restored as holes here (" + (rc < 0 ? "this runtime cannot allocate them; Java 22 or later on Linux can" : "the file system refused, error " + rc) + "), beginning with " + f.path);
        }
        return true;
    }
}
