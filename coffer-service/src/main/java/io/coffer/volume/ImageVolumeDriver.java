package io.coffer.volume;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Each volume is a sparse raw image {@code ROOT/ID/volume.img} of the volume's size. The file
 * name is the same in every volume and every snapshot, so incremental backups find the parent's
 * block list by name.
 */
public final class ImageVolumeDriver implements VolumeDriver {
    public static final String IMAGE = "volume.img";
    private final Path root;

    ImageVolumeDriver(Path root) {
        this.root = root;
    }

    @Override
    public String name() {
        return "image";
    }

    @Override
    public Path create(String id, long sizeBytes) throws IOException {
        Path dir = root.resolve(id);
        Files.createDirectories(root);
        Files.createDirectory(dir);
        Path img = dir.resolve(IMAGE);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(sizeBytes); // sparse: no blocks are allocated
            f.getFD().sync();
        }
        Fsync.dir(dir);
        Fsync.dir(root);
        return img;
    }

    @Override
    public Path pathOf(String id) {
        return root.resolve(id).resolve(IMAGE);
    }

    @Override
    public void delete(String id) throws IOException {
        Trees.deleteRecursively(root.resolve(id));
    }

    @Override
    public void extend(String id, long sizeBytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(pathOf(id).toFile(), "rw")) {
            if (f.length() < sizeBytes) f.setLength(sizeBytes); // the new end is a hole
            f.getFD().sync();
        }
    }

    @Override
    public boolean singleFile() {
        return true;
    }
}
