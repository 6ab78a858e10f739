package io.coffer.volume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Each volume is a directory {@code ROOT/ID} (what the Kubernetes hostpath driver does); on btrfs a
 * subvolume, so that its snapshots are atomic and instant ({@link Subvolumes}).
 */
public final class DirVolumeDriver implements VolumeDriver {
    private final Path root;

    DirVolumeDriver(Path root) {
        this.root = root;
    }

    @Override
    public String name() {
        return "dir";
    }

    @Override
    public Path create(String id, long sizeBytes) throws IOException {
        Path p = pathOf(id);
        Files.createDirectories(p.getParent());
        if (Subvolumes.supported(p.getParent())) Subvolumes.create(p);
        else Files.createDirectory(p);
        Fsync.dir(p.getParent());
        return p;
    }

    @Override
    public Path pathOf(String id) {
        return root.resolve(id);
    }

    @Override
    public void delete(String id) throws IOException {
        Trees.deleteRecursively(pathOf(id));
    }

    @Override
    public void extend(String id, long sizeBytes) {
        // a directory holds what fits on its file system: its size is the catalog's record alone
    }

    @Override
    public boolean singleFile() {
        return false;
    }
}
