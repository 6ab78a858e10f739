package io.coffer.backup;

import io.coffer.chunk.FastCdc;
import io.coffer.repo.BlobId;
import io.coffer.repo.BlobType;
import io.coffer.repo.BlockGroup;
import io.coffer.repo.ChunkLists;
import io.coffer.repo.Manifest;
import io.coffer.repo.Node;
import io.coffer.repo.Packer;
import io.coffer.repo.PathPatterns;
import io.coffer.repo.Pools;
import io.coffer.repo.RepoLock;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.repo.Trace;
import io.coffer.repo.Tree;
import io.coffer.store.LocalObjectStore;
import io.coffer.sys.FileNames;
import io.coffer.sys.Posix;
import io.coffer.sys.ReadAhead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

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
    /**
     * After this many zero bytes in a row, a region asks the file system where the file's data
     * lies (DataExtents) and reads no more of its holes. Dense files never pay for the question.
     */
    static final long HOLES_AFTER = 1L << 20;
    private static final int FIXED_BUFFER = 4 << 20;

    private final Repository repo;
    private final BackupOptions opts;
    private final FastCdc cdc;
    private final ChunkPolicy policy;
    private final PathPatterns excludes;
    /** The source's file system (st_dev) when the backup stays on it, else -1. */
    private long sourceDevice = -1;
    /** The parent records extended attributes: an unchanged node's are its parent's. */
    private boolean parentHasXattrs;
    /** {@link #plan}: walk and compare, read no data, write nothing. */
    private boolean dryRun;
    private final java.util.Queue<BackupPlan.Entry> toRead = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final byte[] zeros;
    private final BackupProgress progress = new BackupProgress();
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, CompletableFuture<Node>> hardLinks = new ConcurrentHashMap<>();
    private final ThreadLocal<byte[]> buffers;
    /** Each worker's group of new fixed blocks, stored before its region returns. */
    private final ThreadLocal<BlockGroup> groups = ThreadLocal.withInitial(BlockGroup::new);
    /**
     * Content-defined chunks shorter than this (small files, and the last chunk of a file) are
     * stored in groups too: 200,000 files of 0.5-4 KiB compressed one by one keep about 1.6 times
     * what they keep compressed together, and each costs a zstd and an AES-GCM call of its own.
     */
    static final int SMALL_CHUNK = 128 << 10;
    /**
     * Each worker's group of small chunks, filled across the files it reads and stored when full
     * or, for what is left, once the whole tree is walked (before the packer's flush, so before
     * the manifest): a claimed chunk is always stored, whichever file's task met it first.
     */
    private final java.util.Queue<BlockGroup> smallChunkGroups = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final ThreadLocal<BlockGroup> smallChunks = ThreadLocal.withInitial(() -> {
        BlockGroup g = new BlockGroup();
        smallChunkGroups.add(g);
        return g;
    });
    private ExecutorService workers;
    /** Lists and stats directories in parallel with the workers; never runs file tasks. */
    private ExecutorService scanners;
    private Semaphore queued;
    private Packer packer;

    public BackupRunner(Repository repo, BackupOptions opts) {
        this.repo = repo;
        this.opts = opts;
        var c = repo.config().cdc();
        this.cdc = new FastCdc(c.min(), c.avg(), c.max(), repo.gearSeed());
        this.policy = new ChunkPolicy(repo.config().fixed(), opts.extraDatabaseGlobs());
        this.excludes = PathPatterns.of("exclude", opts.excludes());
        int maxBlock = Math.max(c.max(), Math.max(repo.config().fixed().imageBlock(), repo.config().fixed().databaseBlock()));
        this.zeros = new byte[maxBlock];
        int bufSize = Math.max(2 * c.max(), FIXED_BUFFER);
        this.buffers = ThreadLocal.withInitial(() -> new byte[bufSize]);
    }

    public BackupProgress progress() {
        return progress;
    }

    public BackupResult run(Path source) throws IOException {
        return execute(source);
    }

    /**
     * What {@link #run} would read, without reading a file's data or writing anything to the
     * repository (not even a lock): the walk with its excludes, and each file compared with the
     * parent's node as a backup compares it.
     */
    public BackupPlan plan(Path source) throws IOException {
        dryRun = true;
        BackupResult r = execute(source);
        List<BackupPlan.Entry> files = new ArrayList<>(toRead);
        files.sort(java.util.Comparator.comparing(BackupPlan.Entry::path));
        return new BackupPlan(r.manifest().source(), opts.parent(), files, progress.filesSeen.get(), progress.filesUnchanged.get(),
                progress.dirs.get(), progress.excluded(), files.stream().mapToLong(BackupPlan.Entry::size).sum(), r.warnings());
    }

    private BackupResult execute(Path source) throws IOException {
        Path src = source.toAbsolutePath().normalize();
        FileMeta rootMeta;
        try {
            rootMeta = FileMeta.read(src);
        } catch (IOException e) {
            throw new RepositoryException(RepositoryException.Kind.NOT_FOUND, "cannot read backup source " + src + ": " + reason(e));
        }
        boolean dir = rootMeta.type().equals(Node.DIR);
        boolean device = rootMeta.type().equals(Node.BLOCKDEV);
        if (opts.oneFileSystem()) sourceDevice = rootMeta.dev();
        if (!dir && !device && !rootMeta.type().equals(Node.FILE)) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT,
                    "backup source " + src + " is a " + rootMeta.type() + "; give a directory, a file, an image or a block device");
        }
        Instant start = Instant.now();
        Manifest parent = opts.parent() == null ? null : repo.loadManifest(opts.parent());
        parentHasXattrs = parent != null && Boolean.TRUE.equals(parent.xattrs());
        if (parent != null && !parent.kind().equals(dir ? Manifest.DIR : Manifest.FILE)) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT,
                    "parent backup " + opts.parent().substring(0, 12) + " is of a " + parent.kind() + ", this source is not");
        }
        try (RepoLock lock = dryRun ? null : repo.lock(false, "backup of " + src)) {
            Trace.mark("locked");
            workers = Executors.newFixedThreadPool(opts.threads(), r -> {
                Thread t = new Thread(r, "coffer-backup");
                t.setDaemon(true);
                return t;
            });
            scanners = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "coffer-scan");
                t.setDaemon(true);
                return t;
            });
            queued = new Semaphore(opts.threads() * 2);
            packer = dryRun ? null : opts.parent() != null ? repo.newIncrementalPacker(opts.uploaders()) : repo.newPacker(opts.uploaders());
            try {
                String treeId;
                if (dir) {
                    treeId = join(walk(src, Path.of(""), parent == null ? null : parent.tree()));
                } else {
                    ParentTree pt = parentTree(parent == null ? null : parent.tree());
                    String name = FileNames.name(src);
                    Node prev = pt.nodes().get(name);
                    Node node = join(fileNode(src, name, FileNames.logical(name), rootMeta, prev, true)).withXattrs(xattrsOf(src, rootMeta, prev));
                    treeId = saveTree(List.of(node), pt);
                }
                progress.scanDone = true;
                Trace.mark("tree walked: %d files, %d unchanged, %d MiB read", progress.filesSeen.get(), progress.filesUnchanged.get(), progress.bytesRead.get() >> 20);
                if (dryRun) {
                    return new BackupResult(null, new Manifest(Manifest.VERSION, start.toString(), RepoLock.hostname(), src.toString(),
                            dir ? Manifest.DIR : Manifest.FILE, opts.parent(), treeId, null, opts.tags(), opts.excludes(), opts.oneFileSystem(), null, null), warnings);
                }
                // every file is done, so the workers' groups of small chunks are idle: store what they hold
                for (BlockGroup g : smallChunkGroups) packer.store(g);
                packer.flush();
                Trace.mark("packs and index written");
                Manifest.Stats stats = new Manifest.Stats(progress.filesSeen.get(), progress.dirs.get(), progress.others.get(),
                        progress.bytesSeen.get(), progress.bytesRead.get(), progress.filesUnchanged.get(), packer.newBlobs(),
                        packer.newRawBytes(), packer.newStoredBytes(), progress.zeroBytes.get(),
                        Duration.between(start, Instant.now()).toMillis(), warnings.size());
                Manifest m = new Manifest(Manifest.VERSION, start.toString(), RepoLock.hostname(), src.toString(), dir ? Manifest.DIR : Manifest.FILE,
                        opts.parent(), treeId, dir ? rootMeta.toNode("").withXattrs(xattrsOf(src, rootMeta, null)) : null, opts.tags(),
                        opts.excludes(), opts.oneFileSystem(), Xattrs.supported(), stats);
                String id = repo.saveManifest(m);
                Trace.mark("manifest written");
                return new BackupResult(id, m, warnings);
            } finally {
                Pools.stop(scanners, workers); // a cancelled run's threads must not outlive it
                if (packer != null) packer.close();
            }
        }
    }

    private static <T> T join(CompletableFuture<T> f) throws IOException {
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

    /** Trees smaller than this are always stored alone: a reference would save little. */
    static final int MIN_TREE_FOR_REFERENCE = 32 << 10;
    /**
     * A parent tree larger than this is not kept as a reference: its plaintext would stay on the
     * heap beside the new tree (a 100 GiB image in 64 KiB blocks has a tree of about 110 MB).
     */
    static final int MAX_TREE_FOR_REFERENCE = 32 << 20;

    /**
     * A directory's tree in the parent backup: its nodes by name and in order, its id, and, for a
     * large tree, what the new tree may be stored against (the parent's tree if stored alone, else
     * what that one is stored against), with its plaintext.
     */
    private record ParentTree(Map<String, Node> nodes, List<Node> list, String id, BlobId refId, byte[] ref) {
        static final ParentTree NONE = new ParentTree(Map.of(), List.of(), null, null, null);
    }

    private ParentTree parentTree(String treeId) throws IOException {
        if (treeId == null) return ParentTree.NONE;
        Repository.TreeRead t = repo.readTreeWithRef(treeId);
        List<Node> list = t.tree().nodes();
        Map<String, Node> m = new HashMap<>();
        for (Node n : list) m.put(n.name(), n);
        Repository.Decoded d = t.blob();
        int size = d.standalone() ? d.plain().length : d.refPlain().length;
        if (d.plain().length < MIN_TREE_FOR_REFERENCE || d.plain().length > MAX_TREE_FOR_REFERENCE || size > MAX_TREE_FOR_REFERENCE) {
            return new ParentTree(m, list, treeId, null, null);
        }
        if (d.standalone()) return new ParentTree(m, list, treeId, BlobId.parse(treeId), d.plain());
        if (d.chain().size() == 1) return new ParentTree(m, list, treeId, d.ref(), d.refPlain());
        return new ParentTree(m, list, treeId, null, null);
    }

    private static boolean sameNodes(List<Node> a, List<Node> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!a.get(i).sameAs(b.get(i))) return false;
        return true;
    }

    /** Walks a directory; returns the future id of its tree blob. */
    private CompletableFuture<String> walk(Path dir, Path rel, String parentTree) throws IOException {
        ParentTree pt = parentTree(parentTree);
        Map<String, Node> parentNodes = pt.nodes();
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) names.add(FileNames.name(p));
        } catch (IOException e) {
            warn("cannot list directory " + dir + ": " + reason(e) + " (saved as empty)");
        }
        Collections.sort(names);
        List<CompletableFuture<Node>> children = new ArrayList<>(names.size());
        int dirFd = Posix.openDirectory(dir);
        long[] st = new long[Posix.STAT_LONGS];
        try {
            for (String name : names) walkEntry(dir, dirFd, st, name, rel, parentNodes.get(name), children);
        } finally {
            if (dirFd >= 0) Posix.close(dirFd);
        }
        return CompletableFuture.allOf(children.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<Node> nodes = new ArrayList<>(children.size());
            for (CompletableFuture<Node> c : children) {
                Node n = c.join();
                if (n != null) nodes.add(n);
            }
            try {
                return saveTree(nodes, pt);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** One entry of a directory being walked: its node, or the future of it, joins {@code children}. */
    private void walkEntry(Path dir, int dirFd, long[] st, String name, Path rel, Node prev, List<CompletableFuture<Node>> children) throws IOException {
        Path p = FileNames.resolve(dir, name);
        FileMeta meta;
        try {
            meta = FileMeta.readAt(dirFd, dir, name, st);
        } catch (IOException e) {
            warn("cannot stat " + p + ": " + reason(e) + " (skipped)");
            return;
        }
        Path childRel = rel.resolve(FileNames.logical(name)); // for patterns: a name that is not UTF-8 is shown as \xHH
        boolean isDir = meta.type().equals(Node.DIR);
        if (!excludes.isEmpty() && excludes.matches(childRel, isDir)) {
            progress.excluded.incrementAndGet();
            return;
        }
        if (sourceDevice != -1 && meta.dev() != sourceDevice) {
            progress.excluded.incrementAndGet();
            if (!isDir) return;
            progress.dirs.incrementAndGet(); // a mount point: the directory itself, empty
            children.add(CompletableFuture.completedFuture(meta.toNode(name).withSubtree(saveTree(List.of(), ParentTree.NONE))));
            return;
        }
        Map<String, String> xattrs = xattrsOf(p, meta, prev);
        switch (meta.type()) {
            case Node.DIR -> {
                progress.dirs.incrementAndGet();
                Node node = meta.toNode(name).withXattrs(xattrs);
                String prevTree = prev != null && prev.isDir() ? prev.subtree() : null;
                children.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return walk(p, childRel, prevTree);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, scanners).thenCompose(f -> f).thenApply(node::withSubtree));
            }
            case Node.FILE -> children.add(xattrs == null ? fileNode(p, name, childRel, meta, prev, false)
                    : fileNode(p, name, childRel, meta, prev, false).thenApply(n -> n == null ? null : n.withXattrs(xattrs)));
            case Node.SYMLINK -> {
                progress.others.incrementAndGet();
                try {
                    String target = linkTarget(p);
                    Node n = meta.toNode(name);
                    children.add(CompletableFuture.completedFuture(new Node(n.name(), n.type(), n.mode(), n.uid(), n.gid(), n.mtime(), n.ctime(),
                            n.inode(), null, null, null, null, target, null, null, xattrs)));
                } catch (IOException e) {
                    warn("cannot read symlink " + p + ": " + reason(e) + " (skipped)");
                }
            }
            case Node.FIFO, Node.CHARDEV, Node.BLOCKDEV -> {
                progress.others.incrementAndGet();
                children.add(CompletableFuture.completedFuture(meta.toNode(name).withXattrs(xattrs)));
            }
            default -> warn("skipped " + meta.type() + " " + p + " (sockets and unknown file types are not backed up)");
        }
    }

    /**
     * The extended attributes of {@code p}: the parent's when its node is there with the same inode
     * and ctime (setting one changes the ctime), so that a no-change backup lists none; else read.
     */
    private Map<String, String> xattrsOf(Path p, FileMeta meta, Node prev) {
        if (!Xattrs.supported()) return null;
        if (parentHasXattrs && prev != null && meta.type().equals(prev.type()) && prev.ctime() != null && prev.ctime() == meta.ctime()
                && prev.inode() != null && prev.inode() == meta.inode()) {
            return prev.xattrs();
        }
        return Xattrs.read(p, this::warn);
    }

    /** A symlink's target, exact: bytes that are not UTF-8 are kept as {@link FileNames} escapes. */
    private String linkTarget(Path link) throws IOException {
        String target = Files.readSymbolicLink(link).toString();
        if (target.indexOf('\uFFFD') < 0) return target;
        byte[] raw = Posix.readlink(link);
        if (raw != null) return FileNames.decode(raw);
        warn("symlink " + link + ": its target is not UTF-8 and this Java cannot read its bytes; stored as " + target);
        return target;
    }

    private String saveTree(List<Node> nodes, ParentTree parent) throws IOException {
        // A directory that has not changed since the parent has the parent's tree: it is stored
        // (it was just read from the index), and encoding and hashing it again would give the same
        // id. In a no-change backup of 200,000 files that is every tree.
        if (parent.id() != null && sameNodes(nodes, parent.list())) return parent.id();
        byte[] json = Repository.encodeTree(Tree.of(nodes));
        BlobId id = repo.hash(json, 0, json.length);
        if (dryRun) return id.hex();
        boolean against = parent.ref() != null && json.length >= MIN_TREE_FOR_REFERENCE;
        packer.add(BlobType.TREE, id, json, 0, json.length, against ? parent.refId() : null, against ? parent.ref() : null);
        return id.hex();
    }

    /** The node of a regular file (or the single image/device of a file backup), content included. */
    private CompletableFuture<Node> fileNode(Path p, String name, Path rel, FileMeta meta, Node prev, boolean single) throws IOException {
        progress.filesSeen.incrementAndGet();
        progress.bytesSeen.addAndGet(meta.size());
        Node node = meta.toNode(name);
        if (single && meta.type().equals(Node.BLOCKDEV)) {
            node = new Node(name, Node.FILE, meta.mode(), meta.uid(), meta.gid(), meta.mtime(), meta.ctime(), meta.inode(), 0L,
                    null, null, null, null, null, null);
        }
        boolean regular = meta.type().equals(Node.FILE);
        if (regular && prev != null && prev.isFile() && prev.content() != null && prev.chunking() != null
                && prev.size() == meta.size() && prev.mtime() != null && prev.mtime() == meta.mtime()
                && prev.ctime() != null && prev.ctime() == meta.ctime() && prev.inode() != null && prev.inode() == meta.inode()) {
            // unchanged since the parent: its chunk list is still right, whatever the chunking policy says now
            progress.filesUnchanged.incrementAndGet();
            progress.filesDone.incrementAndGet();
            progress.bytesDone.addAndGet(meta.size());
            return CompletableFuture.completedFuture(node.withContent(prev.chunking(), prev.content(), prev.size()));
        }
        if (dryRun) { // a plan: this file would be read
            toRead.add(new BackupPlan.Entry(rel.toString(), meta.size(), prev == null || !prev.isFile() ? BackupPlan.NEW : BackupPlan.CHANGED));
            progress.filesDone.incrementAndGet();
            return CompletableFuture.completedFuture(node.withContent("cdc", List.of(), 0));
        }
        int block = single ? policy.imageBlock : policy.blockFor(rel);
        if (single && !opts.image() && !meta.type().equals(Node.BLOCKDEV)) block = 0;
        String chunking = block > 0 ? "fixed:" + block : "cdc";
        List<String> parentRefs = block > 0 && prev != null && prev.isFile() && chunking.equals(prev.chunking()) ? prev.content() : null;
        Node base = node;
        int blk = block;
        if (node.link() != null) {
            CompletableFuture<Node> mine = new CompletableFuture<>();
            CompletableFuture<Node> first = hardLinks.putIfAbsent(node.link(), mine);
            if (first != null) {
                progress.filesDone.incrementAndGet();
                return first.thenApply(n -> n == null ? null : base.withContent(n.chunking(), n.content(), n.size()));
            }
            chunkFile(p, base, blk, chunking, parentRefs, regular ? meta.size() : -1).whenComplete((n, t) -> {
                if (t != null) mine.completeExceptionally(t);
                else mine.complete(n);
            });
            return mine;
        }
        return chunkFile(p, base, blk, chunking, parentRefs, regular ? meta.size() : -1);
    }

    /**
     * Splits a file into regions processed in parallel; the node's content is their concatenation,
     * or, for a large file in a repository with chunk lists, one list per region, each stored as
     * its region is done.
     */
    private CompletableFuture<Node> chunkFile(Path p, Node node, int block, String chunking, List<String> parentRefs, long size) throws IOException {
        long region = block > 0 ? FIXED_REGION : CDC_REGION;
        int regions = size <= region ? 1 : (int) ((size + region - 1) / region);
        boolean listed = repo.config().chunkLists() && ChunkLists.wanted(size, block);
        List<CompletableFuture<Chunks>> parts = new ArrayList<>(regions);
        FileHoles holes = new FileHoles(p);
        for (int i = 0; i < regions; i++) {
            long from = i * region;
            long to = i == regions - 1 ? -1 : from + region;
            int at = i;
            parts.add(submit(() -> {
                ParentBlocks parent = parentBlocks(p, parentRefs, at, from, block);
                Chunks c = readRegion(p, from, to < 0 ? size : to, to, block, parent, holes);
                return c == null || !listed ? c : new Chunks(List.of(saveChunkList(c.refs(), parent)), c.bytes());
            }));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> refs = new ArrayList<>();
            long total = 0;
            for (CompletableFuture<Chunks> f : parts) {
                Chunks c = f.join();
                if (c == null) return null; // unreadable: already warned
                refs.addAll(c.refs());
                total += c.bytes();
            }
            progress.filesDone.incrementAndGet();
            return node.withContent(chunking, mergeZeros(refs), total);
        });
    }

    /**
     * The parent's blocks a region is compared with: all of the parent's inline list (numbered
     * from the file's first block), or its chunk list for this region (numbered from the region's
     * first block), read here, in the region's task. Null when there is nothing to compare with,
     * also when that list cannot be read: every block is then looked up in the index instead.
     */
    private ParentBlocks parentBlocks(Path p, List<String> parentRefs, int region, long from, int block) {
        if (parentRefs == null || parentRefs.isEmpty()) return null;
        if (!ChunkLists.listed(parentRefs)) return new ParentBlocks(parentRefs, 0, null, null);
        if (region >= parentRefs.size()) return null;
        try {
            String ref = parentRefs.get(region);
            BlobId id = BlobId.parse(ChunkLists.listId(ref));
            Repository.Decoded d = repo.readBlobWithRef(id);
            List<String> refs = repo.decodeChunkList(ref, d.plain());
            // the new list is stored against this one when it is stored alone, else against what it is stored against
            if (d.plain().length < MIN_TREE_FOR_REFERENCE) return new ParentBlocks(refs, from / block, null, null);
            if (d.standalone()) return new ParentBlocks(refs, from / block, id, d.plain());
            if (d.chain().size() == 1) return new ParentBlocks(refs, from / block, d.ref(), d.refPlain());
            return new ParentBlocks(refs, from / block, null, null);
        } catch (IOException | RepositoryException e) {
            warn("cannot read the parent's chunk list of " + p + " at " + from + " (" + e.getMessage() + "); its blocks are looked up instead");
            return null;
        }
    }

    /**
     * The parent's chunk references for blocks from {@code firstBlock} on, and, for a chunk list,
     * the list a new one may be stored against ({@code refId} and its plaintext; null when none).
     */
    private record ParentBlocks(List<String> refs, long firstBlock, BlobId refId, byte[] ref) {}

    /**
     * Stores one region's chunk list (zero runs merged); returns its reference. A list that
     * changed is stored against the parent's (as trees are): 8,192 page ids of which 60 changed
     * cost a few kilobytes instead of the whole list's 270.
     */
    private String saveChunkList(List<String> refs, ParentBlocks parent) throws IOException {
        byte[] json = Repository.encodeChunkList(mergeZeros(refs));
        BlobId id = repo.hash(json, 0, json.length);
        boolean against = parent != null && parent.ref() != null && json.length >= MIN_TREE_FOR_REFERENCE;
        packer.add(BlobType.TREE, id, json, 0, json.length, against ? parent.refId() : null, against ? parent.ref() : null);
        return ChunkLists.ref(id.hex());
    }

    /** Adjacent zero runs are merged, so a hole is one reference whatever its size. */
    private static List<String> mergeZeros(List<String> refs) {
        List<String> out = new ArrayList<>(refs.size());
        long run = 0;
        for (String r : refs) {
            if (Node.isZero(r)) {
                int len = Node.zeroLength(r);
                if (run + len > Integer.MAX_VALUE) {
                    out.add("z" + run);
                    run = 0;
                }
                run += len;
            } else {
                if (run > 0) out.add("z" + run);
                run = 0;
                out.add(r);
            }
        }
        if (run > 0) out.add("z" + run);
        return out;
    }

    /** Chunks of [from, from + bytes); {@code holes}, when set, maps the rest of the region. */
    private record Chunks(List<String> refs, long bytes, DataExtents.Map holes) {
        Chunks(List<String> refs, long bytes) {
            this(refs, bytes, null);
        }
    }

    /**
     * A file's holes, asked for once, by the first of its regions to read a megabyte of zeros in
     * a row; the other regions then skip them too.
     */
    private static final class FileHoles {
        private final Path path;
        private boolean asked;
        private volatile DataExtents.Map map; // null: not asked yet, no holes, or unknown

        FileHoles(Path path) {
            this.path = path;
        }

        /** The map of [from, to) when the file has holes there, else null. */
        DataExtents.Map known(long from, long to) {
            DataExtents.Map m = map;
            if (m == null) return null;
            DataExtents.Map c = m.clip(from, to);
            return c.dense(from) ? null : c;
        }

        DataExtents.Map ask(long from, long to) {
            synchronized (this) {
                if (!asked) {
                    asked = true;
                    DataExtents.Map m = DataExtents.of(path, 0, -1);
                    if (m != null && !m.dense(0)) map = m;
                }
            }
            return known(from, to);
        }
    }

    @FunctionalInterface
    private interface Task<T> {
        T call() throws IOException;
    }

    private <T> CompletableFuture<T> submit(Task<T> task) throws IOException {
        try {
            queued.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("backup interrupted");
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return task.call();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                queued.release();
            }
        }, workers);
    }

    /**
     * Reads [from, to) of a file (to = -1: until EOF) and stores its chunks. Returns null when the
     * file cannot be read (a warning is recorded); repository failures propagate.
     */
    private Chunks readRegion(Path p, long from, long end, long to, int block, ParentBlocks parentRefs, FileHoles holes) throws IOException {
        Source ch;
        try {
            // fixed blocks only: the content-defined reads of the mixed set took 1 s longer with it (ReadAhead)
            ch = new Source(FileChannel.open(p, StandardOpenOption.READ), block > 0 ? ReadAhead.of(p, from, end) : ReadAhead.none());
        } catch (IOException e) {
            warn("cannot open " + p + ": " + reason(e) + " (skipped)");
            return null;
        }
        try (ch) {
            if (block > 0) return fixedBlocks(ch, p, from, to, block, parentRefs, holes);
            DataExtents.Map known = holes.known(from, to);
            if (known != null) return contentDefinedAround(ch, p, from, known);
            Chunks c = contentDefined(ch, p, from, to, holes);
            if (c.holes() == null) return c;
            // the rest of the region has holes: its data extents are cut apart, its holes not read
            Chunks rest = contentDefinedAround(ch, p, from + c.bytes(), c.holes());
            List<String> refs = new ArrayList<>(c.refs());
            refs.addAll(rest.refs());
            return new Chunks(refs, c.bytes() + rest.bytes());
        } catch (SourceReadException e) {
            warn("cannot read " + p + ": " + reason(e.io) + " (skipped)");
            return null;
        }
    }

    private static final class SourceReadException extends Exception {
        final IOException io;

        SourceReadException(IOException io) {
            super(io);
            this.io = io;
        }
    }

    /** A file being read: the channel the data comes through, and what reads ahead of it. */
    private record Source(FileChannel ch, ReadAhead ahead) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            ahead.close();
            ch.close();
        }
    }

    private int read(Source src, byte[] buf, int off, int len, long pos) throws SourceReadException {
        ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
        int end = off + len;
        src.ahead().before(pos, len);
        try {
            while (bb.hasRemaining()) {
                // in slices: the JDK stages heap reads in a direct buffer of the call's size
                bb.limit(Math.min(end, bb.position() + LocalObjectStore.IO_SLICE));
                int r = src.ch().read(bb, pos + bb.position() - off);
                bb.limit(end);
                if (r < 0) break;
            }
        } catch (IOException e) {
            throw new SourceReadException(e);
        }
        int n = bb.position() - off;
        progress.bytesRead.addAndGet(n);
        return n;
    }

    /**
     * Content-defined chunks of each data extent of a sparse region, with its holes as zero runs
     * that are never read: chunk boundaries fall at the edges of the holes.
     */
    private Chunks contentDefinedAround(Source ch, Path p, long from, DataExtents.Map map) throws IOException, SourceReadException {
        List<String> refs = new ArrayList<>();
        long pos = from;
        for (long[] e : map.data()) {
            if (e[0] > pos) holes(refs, e[0] - pos, 1);
            Chunks c = contentDefined(ch, p, e[0], e[1], null);
            refs.addAll(c.refs());
            pos = e[0] + c.bytes();
            if (pos < e[1]) return new Chunks(refs, pos - from); // the file shrank under us
        }
        if (pos < map.end()) {
            holes(refs, map.end() - pos, 1);
            pos = map.end();
        }
        return new Chunks(refs, pos - from);
    }

    /**
     * Fixed blocks of [from, to). In a repository with groups the region's new blocks are stored
     * in groups of up to 1 MiB, in the order read (consecutive blocks of a full backup, the
     * changed blocks of an incremental); a group is stored before the region returns, also when
     * reading the file fails: other files may already name a block it claimed.
     */
    private Chunks fixedBlocks(Source ch, Path p, long from, long to, int block, ParentBlocks parentRefs, FileHoles holes) throws IOException, SourceReadException {
        if (!packer.groups()) return fixedBlocks(ch, p, from, to, block, parentRefs, holes, null);
        BlockGroup g = groups.get();
        Chunks c;
        try {
            c = fixedBlocks(ch, p, from, to, block, parentRefs, holes, g);
        } catch (SourceReadException e) {
            packer.store(g);
            throw e;
        }
        packer.store(g);
        return c;
    }

    private Chunks fixedBlocks(Source ch, Path p, long from, long to, int block, ParentBlocks parentRefs, FileHoles holes, BlockGroup group)
            throws IOException, SourceReadException {
        byte[] buf = buffers.get();
        int window = buf.length - buf.length % block;
        List<String> refs = new ArrayList<>();
        List<String> parentBlocks = parentRefs == null ? null : expandZeros(parentRefs.refs(), block);
        long firstParentBlock = parentRefs == null ? 0 : parentRefs.firstBlock();
        // A file system that knows its holes spares the reading of them: blocks wholly inside a
        // hole are zero runs without a read (DataExtents: what lies in a hole reads as zeros).
        DataExtents.Map map = holes.known(from, to);
        if (map != null) to = map.end();
        boolean asked = map != null;
        long zerosInARow = 0;
        int next = 0; // the first extent of the map that may still lie ahead
        long pos = from;
        while (to < 0 || pos < to) {
            int want = (int) (to < 0 ? window : Math.min(window, to - pos));
            // so as to ask before reading much of a hole; in whole blocks, or every block after the
            // first such read would be cut at the wrong place (12 KiB blocks do not divide 1 MiB,
            // 2 MiB ones are larger)
            if (!asked) want = (int) Math.min(want, Math.max(block, HOLES_AFTER / block * block));
            if (map != null) {
                while (next < map.data().size() && map.data().get(next)[1] <= pos) next++;
                long dataAt = next < map.data().size() ? map.data().get(next)[0] : to;
                long skip = Math.min(to, dataAt / block * block) - pos; // whole blocks before the data
                if (skip > 0) {
                    holes(refs, skip, block);
                    pos += skip;
                    continue;
                }
                if (next < map.data().size()) { // read up to the end of this extent's last block
                    long dataEnd = map.data().get(next)[1];
                    long blockEnd = Math.min(to, (dataEnd + block - 1) / block * block);
                    want = (int) Math.min(want, blockEnd - pos);
                }
            }
            int n = read(ch, buf, 0, want, pos);
            for (int o = 0; o < n; o += block) {
                int len = Math.min(block, n - o);
                long idx = (pos + o) / block - firstParentBlock;
                if (Arrays.mismatch(buf, o, o + len, zeros, 0, len) < 0) {
                    refs.add("z" + len);
                    progress.zeroBytes.addAndGet(len);
                    zerosInARow += len;
                    continue;
                }
                zerosInARow = 0;
                BlobId id = repo.hash(buf, o, len);
                String hex = id.hex();
                refs.add(hex);
                if (parentBlocks != null && idx >= 0 && idx < parentBlocks.size() && hex.equals(parentBlocks.get((int) idx))) continue;
                if (group == null) packer.add(BlobType.DATA, id, buf, o, len);
                else if (packer.claim(id)) packer.group(group, id, buf, o, len);
            }
            pos += n;
            progress.bytesDone.addAndGet(n);
            if (n < want) break;
            if (!asked && zerosInARow >= HOLES_AFTER) {
                asked = true;
                map = holes.ask(pos, to);
                if (map != null) to = map.end();
            }
        }
        return new Chunks(refs, pos - from);
    }

    /** Zero runs for {@code len} bytes of holes, which count as done unread: whole blocks, each run well under 2 GiB. */
    private void holes(List<String> refs, long len, int block) {
        long most = (Integer.MAX_VALUE / 2) / block * (long) block;
        for (long left = len; left > 0; ) {
            long run = Math.min(left, most);
            refs.add("z" + run);
            left -= run;
        }
        progress.zeroBytes.addAndGet(len);
        progress.bytesDone.addAndGet(len);
    }

    /** The parent's chunk list with merged zero runs split back into one entry per block. */
    private static List<String> expandZeros(List<String> refs, int block) {
        List<String> out = new ArrayList<>(refs.size());
        for (String r : refs) {
            if (!Node.isZero(r)) {
                out.add(r);
                continue;
            }
            long len = Node.zeroLength(r);
            for (long i = 0; i < len; i += block) out.add("z");
        }
        return out;
    }

    /**
     * Content-defined chunks of [from, to). With {@code holes}, a megabyte of zeros in a row
     * makes it ask for the rest of the region's data extents; when they show a hole it stops at
     * that chunk boundary and returns them with its chunks ({@link Chunks#holes}).
     */
    private Chunks contentDefined(Source ch, Path p, long from, long to, FileHoles holes) throws IOException, SourceReadException {
        byte[] buf = buffers.get();
        List<String> refs = new ArrayList<>();
        long zerosInARow = 0;
        long filePos = from; // file offset of buf[0]
        int have = 0;
        int start = 0;
        boolean eof = false;
        while (true) {
            int c = cdc.cut(buf, start, have - start, eof);
            if (c < 0 || (c == 0 && !eof)) {
                // compact and refill
                System.arraycopy(buf, start, buf, 0, have - start);
                filePos += start;
                have -= start;
                start = 0;
                long readPos = filePos + have;
                int want = buf.length - have;
                if (to >= 0) want = (int) Math.min(want, to - readPos);
                int n = want <= 0 ? 0 : read(ch, buf, have, want, readPos);
                have += n;
                if (n < want || want <= 0) eof = true;
                progress.bytesDone.addAndGet(n);
                continue;
            }
            if (c == 0) break;
            if (Arrays.mismatch(buf, start, start + c, zeros, 0, c) < 0) {
                refs.add("z" + c);
                progress.zeroBytes.addAndGet(c);
                zerosInARow += c;
                if (holes != null && zerosInARow >= HOLES_AFTER) {
                    long cut = filePos + start + c;
                    DataExtents.Map map = holes.ask(cut, to);
                    holes = null;
                    if (map != null) {
                        // bytes read beyond the cut were counted as done: the rest counts them again
                        progress.bytesDone.addAndGet(-(have - start - c));
                        return new Chunks(refs, cut - from, map);
                    }
                }
            } else {
                zerosInARow = 0;
                BlobId id = repo.hash(buf, start, c);
                refs.add(id.hex());
                if (c >= SMALL_CHUNK || !packer.groups()) packer.add(BlobType.DATA, id, buf, start, c);
                else if (packer.claim(id)) packer.group(smallChunks.get(), id, buf, start, c);
            }
            start += c;
        }
        return new Chunks(refs, filePos + have - from);
    }

    private void warn(String w) {
        warnings.add(w);
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file (removed during the backup?)";
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
