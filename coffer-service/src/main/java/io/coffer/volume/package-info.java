/**
 * Volumes on this host and point-in-time copies of them.
 *
 * <p>A {@link io.coffer.volume.VolumeDriver} creates and deletes volumes under the data root:
 * {@code dir} volumes are directories, {@code image} volumes are sparse raw image files that can
 * hold any filesystem. {@link io.coffer.volume.Reflinks} clones files where the filesystem can
 * share extents (XFS with reflink, btrfs) and {@link io.coffer.volume.Freezer} pauses writes to a
 * mounted filesystem for the instant of a clone. This package knows nothing of the catalog, the
 * repository engine or HTTP.
 */
package io.coffer.volume;
