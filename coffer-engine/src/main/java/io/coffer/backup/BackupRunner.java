package io.coffer.backup;

import io.coffer.repo.ChunkLists;
import io.coffer.repo.Manifest;
import io.coffer.repo.Node;
import io.coffer.repo.Packer;
import io.coffer.repo.PathPatterns;
import io.coffer.repo.RepoLock;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.repo.Trace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Backs up a directory tree, a file, a raw image or a block device.
 *
 * <pre>
 *   lock shared; load parent root tree
 *   walk(dir, parentTree):                      -- each directory a task on the scanner pool
 *     for entry in sorted(list(dir)):
 *       stat; dir -> walk(child, parent's subtree)
 *       file unchanged vs parent (size, mtime, ctime, inode) -> reuse its chunk list, no read
 *       file otherwise -> task per region on the worker pool:
 *            read -> cut (FastCDC, or fixed blocks compared with the parent's list at the same offset)
 *            -> zero blocks become holes -> hash -> packer.add (dedup, compress, encrypt, pack, upload)
 *     when all children are done: tree blob -> packer
 *   packer.flush (packs, then index); save manifest (the commit point); unlock
 * </pre>
 * At most {@code 2 × threads} file regions are queued, and each worker owns one read buffer, so
 * memory does not grow with the size of the data.
 */
public final class BackupRunner {
    /** Regions are the spans of chunk lists: a listed file has a list per region. */
    static final long CDC_REGION = ChunkLists.CDC_SPAN;
    static final long FIXED_REGION = ChunkLists.FIXED_SPAN;
    private final Repository repo;
    private final BackupOptions opts;
    private final ChunkPolicy policy;
    private final PathPatterns excludes;
    private final BackupProgress progress = new BackupProgress();

    public BackupRunner(Repository repo, BackupOptions opts) {
        this.repo = repo;
        this.opts = opts;
        this.policy = new ChunkPolicy(repo.config().fixed(), opts.extraDatabaseGlobs());
        this.excludes = PathPatterns.of("exclude", opts.excludes());
    }

    public BackupProgress progress() {
        return progress;
    }

    public BackupResult run(Path source) throws IOException {
        return execute(source, false).result();
    }

    /**
     * What {@link #run} would read, without reading a file's data or writing anything to the
     * repository (not even a lock): the walk with its excludes, and each file compared with the
     * parent's node as a backup compares it.
     */
    public BackupPlan plan(Path source) throws IOException {
        Execution e = execute(source, true);
        BackupResult r = e.result();
        List<BackupPlan.Entry> files = e.toRead();
        return new BackupPlan(r.manifest().source(), opts.parent(), files, progress.filesSeen.get(), progress.filesUnchanged.get(),
                progress.dirs.get(), progress.excluded(), files.stream().mapToLong(BackupPlan.Entry::size).sum(), r.warnings());
    }

    /** What a run gave: its result, and for a plan the files it would read. */
    private record Execution(BackupResult result, List<BackupPlan.Entry> toRead) {}

    private Execution execute(Path source, boolean dryRun) throws IOException {
        Path src = source.toAbsolutePath().normalize();
        FileMeta rootMeta;
        try {
            rootMeta = FileMeta.read(src);
        } catch (IOException e) {
            throw new RepositoryException(RepositoryException.Kind.NOT_FOUND, "cannot read backup source " + src + ": " + reason(e));
        }
        boolean dir = rootMeta.type().equals(Node.DIR);
        boolean device = rootMeta.type().equals(Node.BLOCKDEV);
        if (!dir && !device && !rootMeta.type().equals(Node.FILE)) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT,
                    "backup source " + src + " is a " + rootMeta.type() + "; give a directory, a file, an image or a block device");
        }
        Instant start = Instant.now();
        Manifest parent = opts.parent() == null ? null : repo.loadManifest(opts.parent());
        if (parent != null && !parent.kind().equals(dir ? Manifest.DIR : Manifest.FILE)) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT,
                    "parent backup " + opts.parent().substring(0, 12) + " is of a " + parent.kind() + ", this source is not");
        }
        String parentTree = parent == null ? null : parent.tree();
        try (RepoLock lock = dryRun ? null : repo.lock(false, "backup of " + src);
                TreeWalk walk = new TreeWalk(repo, opts, policy, excludes, progress, dryRun, opts.oneFileSystem() ? rootMeta.dev() : -1,
                        parent != null && Boolean.TRUE.equals(parent.xattrs()))) {
            Trace.mark("locked");
            String treeId = dir ? walk.directory(src, parentTree) : walk.singleFile(src, rootMeta, parentTree);
            progress.scanDone = true;
            Trace.mark("tree walked: %d files, %d unchanged, %d MiB read", progress.filesSeen.get(), progress.filesUnchanged.get(), progress.bytesRead.get() >> 20);
            if (dryRun) {
                return new Execution(new BackupResult(null, new Manifest(Manifest.VERSION, start.toString(), RepoLock.hostname(), src.toString(),
                        dir ? Manifest.DIR : Manifest.FILE, opts.parent(), treeId, null, opts.tags(), opts.excludes(), opts.oneFileSystem(), null, null),
                        walk.warnings()), walk.toRead());
            }
            walk.flush();
            Trace.mark("packs and index written");
            Packer packer = walk.packer();
            List<String> warnings = walk.warnings();
            Manifest.Stats stats = new Manifest.Stats(progress.filesSeen.get(), progress.dirs.get(), progress.others.get(),
                    progress.bytesSeen.get(), progress.bytesRead.get(), progress.filesUnchanged.get(), packer.newBlobs(),
                    packer.newRawBytes(), packer.newStoredBytes(), progress.zeroBytes.get(),
                    Duration.between(start, Instant.now()).toMillis(), warnings.size());
            Manifest m = new Manifest(Manifest.VERSION, start.toString(), RepoLock.hostname(), src.toString(), dir ? Manifest.DIR : Manifest.FILE,
                    opts.parent(), treeId, dir ? rootMeta.toNode("").withXattrs(walk.rootXattrs(src, rootMeta)) : null, opts.tags(),
                    opts.excludes(), opts.oneFileSystem(), Xattrs.supported(), stats);
            String id = repo.saveManifest(m);
            Trace.mark("manifest written");
            return new Execution(new BackupResult(id, m, warnings), List.of());
        }
    }

    static <T> T join(CompletableFuture<T> f) throws IOException {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof UncheckedIOException u) throw u.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IOException(c);
        }
    }

    static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file (removed during the backup?)";
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
