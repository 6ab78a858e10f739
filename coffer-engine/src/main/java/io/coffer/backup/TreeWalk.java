package io.coffer.backup;

import io.coffer.backup.RegionReader.Chunks;
import io.coffer.backup.RegionReader.FileHoles;
import io.coffer.backup.RegionReader.ParentBlocks;
import io.coffer.repo.BlobId;
import io.coffer.repo.BlobType;
import io.coffer.repo.ChunkLists;
import io.coffer.repo.Node;
import io.coffer.repo.Packer;
import io.coffer.repo.PathPatterns;
import io.coffer.repo.Pools;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.repo.Tree;
import io.coffer.sys.FileNames;
import io.coffer.sys.Posix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * One backup run's walk of its source: directories listed and stat'ed on the scanner pool, each
 * file compared with its parent's node and, when changed, read a region at a time on the worker
 * pool ({@link RegionReader}); a directory's tree blob is stored once all its children are done.
 * Holds everything that lives as long as the run: the pools, the packer, the warnings, the hard
 * links met so far. A new one for every run; {@link #close} stops the pools and the packer.
 */
final class TreeWalk implements AutoCloseable {
    /** Trees smaller than this are always stored alone: a reference would save little. */
    static final int MIN_TREE_FOR_REFERENCE = 32 << 10;
    /**
     * A parent tree larger than this is not kept as a reference: its plaintext would stay on the
     * heap beside the new tree (a 100 GiB image in 64 KiB blocks has a tree of about 110 MB).
     */
    static final int MAX_TREE_FOR_REFERENCE = 32 << 20;

    private final Repository repo;
    private final BackupOptions opts;
    private final ChunkPolicy policy;
    private final PathPatterns excludes;
    private final BackupProgress progress;
    /** A plan: walk and compare, read no data, write nothing. */
    private final boolean dryRun;
    /** The source's file system (st_dev) when the backup stays on it, else -1. */
    private final long sourceDevice;
    /** The parent records extended attributes: an unchanged node's are its parent's. */
    private final boolean parentHasXattrs;
    private final java.util.Queue<BackupPlan.Entry> toRead = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, CompletableFuture<Node>> hardLinks = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    /** Lists and stats directories in parallel with the workers; never runs file tasks. */
    private final ExecutorService scanners;
    private final Semaphore queued;
    /** Null in a plan. */
    private final Packer packer;
    private final RegionReader reader;

    TreeWalk(Repository repo, BackupOptions opts, ChunkPolicy policy, PathPatterns excludes, BackupProgress progress,
            boolean dryRun, long sourceDevice, boolean parentHasXattrs) {
        this.repo = repo;
        this.opts = opts;
        this.policy = policy;
        this.excludes = excludes;
        this.progress = progress;
        this.dryRun = dryRun;
        this.sourceDevice = sourceDevice;
        this.parentHasXattrs = parentHasXattrs;
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
        reader = dryRun ? null : new RegionReader(repo, packer, progress, this::warn);
    }

    /** The packer of this run (null in a plan): what it stored. */
    Packer packer() {
        return packer;
    }

    List<String> warnings() {
        return warnings;
    }

    /** The files a plan would read, by path. */
    List<BackupPlan.Entry> toRead() {
        List<BackupPlan.Entry> files = new ArrayList<>(toRead);
        files.sort(java.util.Comparator.comparing(BackupPlan.Entry::path));
        return files;
    }

    /** The tree id of a directory source, all of it stored. */
    String directory(Path src, String parentTree) throws IOException {
        return BackupRunner.join(walk(src, Path.of(""), parentTree));
    }

    /** The tree id of a single-file source (a file, an image, a block device), all of it stored. */
    String singleFile(Path src, FileMeta meta, String parentTree) throws IOException {
        ParentTree pt = parentTree(parentTree);
        String name = FileNames.name(src);
        Node prev = pt.nodes().get(name);
        Node node = BackupRunner.join(fileNode(src, name, FileNames.logical(name), meta, prev, true)).withXattrs(xattrsOf(src, meta, prev));
        return saveTree(List.of(node), pt);
    }

    /** Stores what is still held (the small chunks), then the packs and their index. */
    void flush() throws IOException {
        reader.storeSmallChunks(); // every file is done, so the workers' groups of small chunks are idle
        packer.flush();
    }

    /** The extended attributes of the source's root directory. */
    Map<String, String> rootXattrs(Path src, FileMeta meta) {
        return xattrsOf(src, meta, null);
    }

    @Override
    public void close() {
        Pools.stop(scanners, workers); // a cancelled run's threads must not outlive it
        if (packer != null) packer.close();
    }

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
            warn("cannot list directory " + dir + ": " + BackupRunner.reason(e) + " (saved as empty)");
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
            warn("cannot stat " + p + ": " + BackupRunner.reason(e) + " (skipped)");
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
                    warn("cannot read symlink " + p + ": " + BackupRunner.reason(e) + " (skipped)");
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
            return CompletableFuture.completedFuture(node.withContent(prev.chunking(), prev.content(), prev.size()).withAllocation(prev.allocated(), prev.extents()));
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
                return first.thenApply(n -> n == null ? null : base.withContent(n.chunking(), n.content(), n.size()).withAllocation(n.allocated(), n.extents()));
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
        long region = block > 0 ? BackupRunner.FIXED_REGION : BackupRunner.CDC_REGION;
        int regions = size <= region ? 1 : (int) ((size + region - 1) / region);
        boolean listed = repo.config().chunkLists() && ChunkLists.wanted(size, block);
        List<CompletableFuture<Chunks>> parts = new ArrayList<>(regions);
        FileHoles holes = new FileHoles(p);
        java.util.concurrent.atomic.AtomicBoolean zeroRuns = new java.util.concurrent.atomic.AtomicBoolean();
        for (int i = 0; i < regions; i++) {
            long from = i * region;
            long to = i == regions - 1 ? -1 : from + region;
            int at = i;
            parts.add(submit(() -> {
                ParentBlocks parent = parentBlocks(p, parentRefs, at, from, block);
                Chunks c = reader.read(p, from, to, block, parent, holes);
                if (c != null && !zeroRuns.get() && c.refs().stream().anyMatch(Node::isZero)) zeroRuns.set(true);
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
            // zero runs are stored as references: whether they were holes or allocated zeros is recorded
            Boolean allocated = zeroRuns.get() && size >= 0 ? holes.allocated() : null;
            List<Long> extents = zeroRuns.get() && size >= 0 && allocated == null ? holes.extents() : null;
            return node.withContent(chunking, mergeZeros(refs), total).withAllocation(allocated, extents);
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


    void warn(String w) {
        warnings.add(w);
    }
}
