package io.coffer.restore;

import io.coffer.repo.BlobId;
import io.coffer.repo.Manifest;
import io.coffer.repo.MasterIndex;
import io.coffer.repo.Node;
import io.coffer.repo.PackInfo;
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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
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
 *   plan: walk the trees; refuse unsafe names and symlinks that lead out of the target before
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
    private static final int MAX_GAP = 1 << 20;
    /** The most stored bytes read with one request: a remote store is asked for larger ranges. */
    static final int MAX_RANGE_LOCAL = 4 << 20;
    static final int MAX_RANGE_REMOTE = 16 << 20;
    /** The most restored bytes per range (one task). */
    private static final long MAX_RANGE_RAW = 64 << 20;
    private static final int WRITE_BATCH = 4 << 20;
    /**
     * The read and write buffers of all workers together stay within this, whatever the worker
     * count: the heap also holds the plan and the index (many workers get smaller ranges).
     */
    private static final long BUFFER_BUDGET = 80L << 20;

    private final Repository repo;
    private final RestoreOptions opts;
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong filesDone = new AtomicLong();
    private final AtomicLong writeCalls = new AtomicLong();
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
    private Map<String, List<Use>> byPack = new LinkedHashMap<>();
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
    private final int maxRange;
    private final int batchSize;
    /**
     * Each worker's read and write buffers, reused from range to range: allocated per range, they
     * were promoted to the old generation by every young collection that caught them in use, and
     * a restore with a large plan on the heap ran one full collection after another.
     */
    private final ThreadLocal<Buffers> buffers;
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

    /** Positional writes of file data made so far (each of at most {@link #WRITE_BATCH} bytes). */
    public long writeCalls() {
        return writeCalls.get();
    }

    private record DirJob(Path path, Node node, int depth) {}

    private record Entry(Path path, Node node) {}

    /** One place where a blob's bytes go. */
    private record Use(BlobId id, MasterIndex.Location loc, FileJob file, long offset) {}

    /**
     * One regular file to write. Keeps only what writing and finishing need, as plain fields (not
     * the node, nor its chunk list, which lives in the pack plan), so that the plan of a tree of
     * many small files stays small: it sits on the heap for the whole restore.
     */
    static final class FileJob {
        private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<FileJob> REMAINING =
                java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(FileJob.class, "remaining");
        final Path path;
        final long size;
        final long mtime;
        final int mode;
        final int uid;
        final int gid;
        final boolean endsWithHole;
        final Map<String, String> xattrs;
        /** Blobs still to be written, plus one while the file is being planned. */
        volatile int remaining;
        volatile boolean failed;
        boolean created;

        FileJob(Path path, Node n) {
            this.path = path;
            this.size = n.size() == null ? 0 : n.size();
            this.mtime = n.mtime() == null ? Metadata.NO_TIME : n.mtime();
            this.mode = n.mode() == null ? Metadata.NONE : n.mode();
            boolean owner = n.uid() != null && n.gid() != null;
            this.uid = owner ? n.uid() : Metadata.NONE;
            this.gid = owner ? n.gid() : Metadata.NONE;
            // a listed file's last reference is in its last list, not read yet: its length is set
            // when it is created, which is right whatever it ends with
            this.endsWithHole = io.coffer.repo.ChunkLists.listed(n.content())
                    || !n.content().isEmpty() && Node.isZero(n.content().get(n.content().size() - 1));
            this.xattrs = n.xattrs();
        }

        /** Counts down {@code n} written blobs; true when that was the last of them. */
        boolean written(int n) {
            return REMAINING.addAndGet(this, -n) == 0;
        }

        void expect(int n) {
            REMAINING.addAndGet(this, n);
        }
    }

    public RestoreRunner(Repository repo, RestoreOptions opts) {
        this.repo = repo;
        this.opts = opts;
        this.excludes = PathPatterns.of("exclude", opts.excludes());
        this.includes = PathPatterns.of("include", opts.includes());
        boolean remote = repo.store().remote();
        this.threads = opts.threadsFor(remote);
        this.maxRange = (int) Math.max(1 << 20, Math.min(remote ? MAX_RANGE_REMOTE : MAX_RANGE_LOCAL, BUFFER_BUDGET * 4 / 5 / threads));
        this.batchSize = (int) Math.max(256 << 10, Math.min(WRITE_BATCH, BUFFER_BUDGET / 5 / threads));
        this.buffers = ThreadLocal.withInitial(() -> new Buffers(batchSize));
    }

    /** Smaller batches, for tests: a file spans many of them. */
    RestoreRunner withBatches(int uses, int files) {
        maxBatchUses = uses;
        maxBatchFiles = files;
        return this;
    }

    public long bytesDone() {
        return bytes.get();
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
        Trace.mark("data written: %d files, %d dirs, %d batches, %d write calls", filesPlanned, dirs.size(), batches, writeCalls.get());
        finishAll();
        Trace.mark("restored");
        long deleted = 0;
        if (opts.delete() && deleteRoot != null) {
            if (errors.isEmpty()) deleted = deleteExtras(deleteRoot);
            else warnings.add("nothing deleted (--delete): the restore had errors");
        } else if (opts.delete()) {
            warnings.add("nothing deleted (--delete): what was restored is one file, not a directory");
        }
        return new RestoreResult(filesPlanned - errors.size(), dirs.size(), links.size(), bytes.get(), deleted, errors, warnings);
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
                planTree(p, repo.readTree(n.subtree()), childRel, depth + 1, hit);
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

    private void planNode(Path out, Node n, Path rel) throws IOException {
        switch (n.type()) {
            case Node.DIR -> {
                dirs.add(new DirJob(out, n, rel.getNameCount()));
                planTree(out, repo.readTree(n.subtree()), rel, rel.getNameCount() + 1, includes.isEmpty());
            }
            case Node.FILE -> planFileNode(out, n);
            case Node.SYMLINK -> {
                checkSymlink(rel, n.target());
                links.add(new Entry(out, n));
            }
            default -> links.add(new Entry(out, n));
        }
    }

    private void checkSymlink(Path rel, String target) {
        if (opts.allowExternalSymlinks()) return;
        Path t = FileNames.logical(target); // only '/', '.' and '..' matter here
        Path parent = rel.getParent() == null ? Path.of("") : rel.getParent();
        if (t.isAbsolute() || parent.resolve(t).normalize().startsWith("..")) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT,
                    "symlink " + rel + " -> " + target + " leads outside the restore target; nothing was restored"
                            + " (use --allow-external-symlinks to create such links; they are never followed)");
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
                byPack.computeIfAbsent(loc.pack().id(), k -> new ArrayList<>()).add(new Use(id, loc, job, off[0]));
                job.expect(1);
                off[0] += loc.rawLength();
                if (++batchUses >= maxBatchUses) runBatch();
            });
            if (off[0] != n.size()) fail(job, "chunk lengths add up to " + off[0] + " bytes, the file had " + n.size());
        } catch (MissingBlob e) {
            fail(job, e.getMessage());
        } catch (RepositoryException e) { // a chunk list that cannot be read fails this file only
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
        for (List<Use> uses : byPack.values()) {
            for (List<Use> range : ranges(uses, maxRange)) futures.add(pool.submit(() -> restoreRange(range)));
        }
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
        for (Entry e : links) restoreLink(e);
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

    /**
     * Splits a pack's uses (in the planner's order) by their place in the pack into ranges, each
     * read with one request and restored as one task: blobs closer than {@link #MAX_GAP}, at most
     * {@code maxRange} stored and {@link #MAX_RANGE_RAW} restored bytes. Small tasks keep both
     * cores busy to the end even when a backup has only a few (well compressed) packs.
     *
     * <p>Within a range the uses are then put in file order (file, then offset in it): the range
     * is in memory whole, so blobs can be decoded in any order, and in file order consecutive
     * blocks of a file meet in one write batch. In pack order they often do not: the backup's
     * workers add blocks of two regions of one file (or of two files) to the same pack in turns,
     * and a restore of a database's 8 KiB pages in pack order wrote nearly every page with a
     * call of its own.
     */
    static List<List<Use>> ranges(List<Use> uses, int maxRange) {
        // Sorted as primitives, not objects with a comparator: a pg restore has 100,000 uses, and
        // C2 spent 160 ms compiling TimSort's paths for them. The planner adds a pack's uses in
        // file order (file by file, offsets ascending), so a use's index is its place in file
        // order; a key is (offset in the pack, index), and ties go in file order.
        int n = uses.size();
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) keys[i] = (long) uses.get(i).loc().offset() << 32 | i;
        Arrays.sort(keys);
        List<List<Use>> out = new ArrayList<>();
        int[] members = new int[n];
        int i = 0;
        while (i < n) {
            MasterIndex.Location first = uses.get((int) keys[i]).loc();
            int start = first.offset();
            int end = start + first.storedLength();
            long raw = first.rawLength();
            int j = i + 1;
            while (j < n) {
                MasterIndex.Location l = uses.get((int) keys[j]).loc();
                if (l.offset() > end + MAX_GAP || l.offset() + l.storedLength() - start > maxRange || raw + l.rawLength() > MAX_RANGE_RAW) break;
                end = Math.max(end, l.offset() + l.storedLength());
                raw += l.rawLength();
                j++;
            }
            for (int m = i; m < j; m++) members[m - i] = (int) keys[m];
            Arrays.sort(members, 0, j - i);
            List<Use> range = new ArrayList<>(j - i);
            for (int m = 0; m < j - i; m++) range.add(uses.get(members[m]));
            out.add(range);
            i = j;
        }
        return out;
    }

    private void restoreRange(List<Use> uses) {
        PackInfo pack = uses.get(0).loc().pack();
        String key = pack.key();
        int n = uses.size();
        // a file's channel stays open only while this range still holds blobs for it
        boolean[] lastOfFile = new boolean[n];
        Set<FileJob> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = n - 1; i >= 0; i--) lastOfFile[i] = seen.add(uses.get(i).file());
        RangeWriter w = new RangeWriter(key);
        try {
            int start = Integer.MAX_VALUE; // the uses are in file order, not pack order
            int end = 0;
            for (Use u : uses) {
                start = Math.min(start, u.loc().offset());
                end = Math.max(end, u.loc().offset() + u.loc().storedLength());
            }
            byte[] range = buffers.get().range(end - start, maxRange);
            try {
                int got = repo.store().read(key, start, range, 0, end - start);
                if (got != end - start) throw new IOException("object " + key + " is truncated at offset " + (start + got));
            } catch (IOException e) {
                for (Use u : uses) fail(u.file(), "cannot read pack " + key + ": " + e.getMessage());
                return;
            }
            for (int i = 0; i < n; i++) {
                Use u = uses.get(i);
                if (!u.file().failed) w.put(u, range, start);
                if (lastOfFile[i]) w.close(u.file());
            }
        } finally {
            w.closeAll();
        }
        for (var e : w.written.entrySet()) {
            FileJob f = e.getKey();
            if (f.written(e.getValue()[0]) && !f.failed) finish(f);
        }
        // files whose every use here failed still count down, so they are never finished
    }

    private static final class Buffers {
        byte[] read = new byte[0];
        final byte[] batch;
        /** The groups decoded last (a few, since a range in file order may come back to one). */
        final Group[] groups = {new Group(), new Group(), new Group(), new Group()};
        int nextGroup;

        Buffers(int batchSize) {
            batch = new byte[batchSize];
        }

        /** A buffer of at least {@code n} bytes; the first one is {@code usual} bytes, the common size. */
        byte[] range(int n, int usual) {
            if (read.length < n) read = new byte[Math.max(n, usual)];
            return read;
        }
    }

    /** A decoded group of blocks: the pack and offset it was read from, its plaintext or what is wrong with it. */
    private static final class Group {
        String key;
        int offset = -1;
        int length;
        byte[] plain = new byte[0];
        io.coffer.repo.CorruptObjectException error;
    }

    /**
     * The plaintext of the group that {@code loc} lies in, decoded from {@code range} (which
     * starts at pack offset {@code start}) unless this worker decoded it just before; throws
     * {@link RepositoryException} naming the pack and offset when the group is damaged.
     */
    private byte[] group(String key, MasterIndex.Location loc, byte[] range, int start) {
        Buffers b = buffers.get();
        for (Group g : b.groups) {
            if (g.offset == loc.offset() && key.equals(g.key)) {
                if (g.error != null) throw g.error;
                if (g.length != loc.groupLength()) {
                    throw new io.coffer.repo.CorruptObjectException(key + " at offset " + loc.offset(),
                            "the index names a group of " + loc.groupLength() + " bytes here for one block and of " + g.length + " bytes for another (damaged index)");
                }
                return g.plain;
            }
        }
        Group g = b.groups[b.nextGroup];
        b.nextGroup = (b.nextGroup + 1) % b.groups.length;
        if (g.plain.length < loc.groupLength()) g.plain = new byte[Math.max(loc.groupLength(), io.coffer.repo.BlockGroup.BYTES)];
        g.key = key;
        g.offset = loc.offset();
        g.length = loc.groupLength();
        g.error = null;
        try {
            repo.decodeGroup(key + " at offset " + loc.offset(), range, loc.offset() - start, loc.storedLength(), g.plain, loc.groupLength());
        } catch (io.coffer.repo.CorruptObjectException e) {
            g.error = e;
            throw e;
        }
        return g.plain;
    }

    /** The writing side of one range: open channels, the write batch, blobs written per file. */
    private final class RangeWriter {
        final String key;
        final Map<FileJob, FileChannel> open = new IdentityHashMap<>();
        final Map<FileJob, int[]> written = new IdentityHashMap<>();
        final Batch batch = new Batch();
        FileJob lastFile;
        FileChannel lastCh;
        int[] lastCount;
        BlobId lastId;
        int lastAt = -1;

        RangeWriter(String key) {
            this.key = key;
        }

        /** Decodes one blob of the range into the batch (or copies it, when the same blob came just before). */
        void put(Use u, byte[] range, int start) {
            FileJob f = u.file();
            int raw = u.loc().rawLength();
            try {
                if (f != lastFile) {
                    FileChannel ch = open.get(f);
                    if (ch == null) {
                        ch = open(f);
                        open.put(f, ch);
                    }
                    lastFile = f;
                    lastCh = ch;
                    lastCount = written.computeIfAbsent(f, k -> new int[1]);
                }
                boolean again = lastAt >= 0 && u.id().equals(lastId);
                int prev = lastAt;
                int at = batch.reserve(f, lastCh, u.offset(), raw);
                if (again) {
                    // reserve() may have flushed, but the bytes stay in the buffer until they are overwritten
                    if (prev != at) System.arraycopy(batch.buf, prev, batch.buf, at, raw);
                } else {
                    try {
                        MasterIndex.Location loc = u.loc();
                        if (loc.grouped()) {
                            byte[] plain = group(key, loc, range, start);
                            repo.verifyBlob(key, loc.offset(), u.id(), plain, loc.groupOffset(), raw);
                            System.arraycopy(plain, loc.groupOffset(), batch.buf, at, raw);
                        } else {
                            repo.decodeBlobInto(key, loc.offset(), u.id(), range, loc.offset() - start, loc.storedLength(), batch.buf, at, raw);
                        }
                    } catch (RepositoryException e) {
                        lastId = null;
                        lastAt = -1;
                        fail(f, e.getMessage());
                        return;
                    }
                }
                batch.commit(raw);
                lastId = u.id();
                lastAt = at;
                bytes.addAndGet(raw);
                lastCount[0]++;
            } catch (IOException e) {
                fail(f, "cannot write: " + e.getMessage());
            }
        }

        /** The range holds no more blobs of {@code f}: write what is pending for it and close it. */
        void close(FileJob f) {
            if (batch.file == f) batch.flush();
            if (lastFile == f) lastFile = null;
            FileChannel ch = open.remove(f);
            if (ch == null) return;
            try {
                ch.close();
            } catch (IOException e) {
                fail(f, "cannot close: " + e.getMessage());
            }
        }

        void closeAll() {
            batch.flush();
            for (FileChannel ch : open.values()) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // reported by the write that failed
                }
            }
        }
    }

    /**
     * Consecutive blobs of one file, decoded straight into one buffer and written with one call:
     * a file of 8 KiB blocks is written a few MiB at a time, not a block at a time.
     */
    private final class Batch {
        byte[] buf = buffers.get().batch;
        FileJob file;
        FileChannel ch;
        long pos;
        int len;

        /**
         * Room for {@code n} bytes that belong at {@code off} of {@code f}, after the pending
         * ones if they lead up to it; returns where in {@link #buf} to put them.
         */
        int reserve(FileJob f, FileChannel channel, long off, int n) {
            if (file != null && (file != f || pos + len != off || len + n > buf.length)) flush();
            if (file == null) {
                if (buf.length < n) buf = new byte[n];
                file = f;
                ch = channel;
                pos = off;
                len = 0;
            }
            return len;
        }

        void commit(int n) {
            len += n;
        }

        /** Writes the pending bytes; a failed write fails their file. The buffer's bytes stay. */
        void flush() {
            FileJob f = file;
            if (f == null) return;
            file = null;
            try {
                if (len > 0) writeSparse(ch, buf, len, pos, f.size);
            } catch (IOException e) {
                fail(f, "cannot write: " + e.getMessage());
            }
        }
    }

    private static final int PAGE = 4096;
    private static final int IO_SLICE = io.coffer.store.LocalObjectStore.IO_SLICE;
    private static final byte[] ZERO_PAGE = new byte[PAGE];

    /**
     * Writes {@code data[0, length)} at {@code pos}, skipping the 4 KiB pages that are all zero,
     * so that they stay holes of the freshly created file. A device target gets every byte.
     */
    private void writeSparse(FileChannel ch, byte[] data, int length, long pos, long fileSize) throws IOException {
        // the page holding the file's last byte is always written: it sets the file's length
        int last = pos + length == fileSize ? Math.max(0, length - PAGE) : Integer.MAX_VALUE;
        int start = 0;
        while (start < length) {
            if (!device) {
                while (start < length && start < last && isZeroPage(data, start, length)) start += Math.min(PAGE, length - start);
                if (start >= length) return;
            }
            int end = start;
            while (end < length && (device || end >= last || !isZeroPage(data, end, length))) end += Math.min(PAGE, length - end);
            // in slices: one call of a few MiB makes the kernel take large folios (LocalObjectStore.IO_SLICE)
            for (int at = start; at < end; ) {
                ByteBuffer bb = ByteBuffer.wrap(data, at, Math.min(IO_SLICE, end - at));
                while (bb.hasRemaining()) {
                    ch.write(bb, pos + bb.position());
                    writeCalls.incrementAndGet();
                }
                at = bb.position();
            }
            start = end;
        }
    }

    private static boolean isZeroPage(byte[] d, int off, int length) {
        int len = Math.min(PAGE, length - off);
        return java.util.Arrays.mismatch(d, off, off + len, ZERO_PAGE, 0, len) < 0;
    }

    private void finish(FileJob f) {
        if (device) {
            filesDone.incrementAndGet();
            return;
        }
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

    private void restoreLink(Entry e) {
        Path p = e.path();
        Node n = e.node();
        boolean fresh = createdDirs.contains(p.getParent()); // nothing can be in the way there
        try {
            if (!fresh && Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) Files.delete(p);
            switch (n.type()) {
                case Node.FILE -> {
                    FileJob first = linkGroups.get(n.link());
                    if (first.failed) {
                        errors.add(p + ": hard link to " + first.path + ", which could not be restored");
                        return;
                    }
                    Files.createLink(p, first.path);
                    return;
                }
                case Node.SYMLINK -> symlink(p, n.target());
                case Node.FIFO -> special(p, n.name(), tmp -> run("mkfifo", tmp.toString()));
                case Node.CHARDEV, Node.BLOCKDEV -> {
                    if (!Metadata.ROOT) {
                        warnings.add("device " + p + " not restored (needs root)");
                        return;
                    }
                    long rdev = n.rdev() == null ? 0 : n.rdev();
                    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
                    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
                    special(p, n.name(), tmp -> run("mknod", tmp.toString(), n.type().equals(Node.CHARDEV) ? "c" : "b", Long.toString(major), Long.toString(minor)));
                }
                default -> {
                    warnings.add("unknown node type " + n.type() + " at " + p + " skipped");
                    return;
                }
            }
            Metadata.apply(p, n, fresh);
        } catch (IOException ex) {
            errors.add(p + ": cannot create " + n.type() + ": " + ex.getMessage());
        }
    }

    /**
     * A symlink with its exact target. The JDK's {@code createSymbolicLink} takes the target as a
     * path, which cannot hold bytes that are not UTF-8 and drops a doubled or trailing '/'; such a
     * target is made with symlink(2) itself.
     */
    private void symlink(Path p, String target) throws IOException {
        boolean jdk = FileNames.jdkTakes(target) && Path.of(target).toString().equals(target);
        if (!jdk && Posix.symlink(FileNames.encode(target), p)) return;
        Path t = FileNames.logical(target);
        if (!jdk && !t.toString().equals(target)) warnings.add("symlink " + p + ": this Java cannot write its target's bytes; made as " + t);
        Files.createSymbolicLink(p, t);
    }

    private interface Maker {
        void make(Path p) throws IOException;
    }

    /**
     * A fifo or device node, made by a command: at {@code p}, or, when its name is not UTF-8 (which a
     * command line cannot carry), beside it under a made-up name and then renamed.
     */
    private static void special(Path p, String name, Maker maker) throws IOException {
        if (!FileNames.escaped(name)) {
            maker.make(p);
            return;
        }
        Path tmp = p.resolveSibling(".coffer-special-" + Long.toHexString(System.nanoTime()));
        maker.make(tmp);
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
    }

    static void run(String... cmd) throws IOException {
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(pr.getInputStream().readAllBytes()).trim();
            if (pr.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }
}
