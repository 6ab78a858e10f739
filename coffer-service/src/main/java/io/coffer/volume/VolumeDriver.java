package io.coffer.volume;

import java.io.IOException;
import java.nio.file.Path;

/** Creates and deletes the storage of volumes of one kind under a root directory. */
public sealed interface VolumeDriver permits DirVolumeDriver, ImageVolumeDriver {
    /** The name users give ({@code dir}, {@code image}). */
    String name();

    /** Creates the volume's storage and returns the path users write to (a directory or an image file). */
    Path create(String id, long sizeBytes) throws IOException;

    /** The path of a volume with this id, whether or not it exists. */
    Path pathOf(String id);

    /** Removes the volume's storage; a volume that is already gone is not an error. */
    void delete(String id) throws IOException;

    /** Grows volume {@code id} to {@code sizeBytes} (larger than it is): an image gets longer, a directory's size is only a record. */
    void extend(String id, long sizeBytes) throws IOException;

    /** True when the volume is one file (backed up and restored as a raw image). */
    boolean singleFile();

    static VolumeDriver named(String name, Path root) {
        return switch (name) {
            case "dir" -> new DirVolumeDriver(root);
            case "image" -> new ImageVolumeDriver(root);
            default -> throw new IllegalArgumentException("unknown volume driver '" + name + "': use dir or image");
        };
    }
}
