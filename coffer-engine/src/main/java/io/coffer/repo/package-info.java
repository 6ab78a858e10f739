/** The repository format and its typed access: config, keys, packs, index, trees, manifests, locks, and the Packer that writes new blobs. Builds only on io.coffer.store and io.coffer.chunk. */
package io.coffer.repo;
