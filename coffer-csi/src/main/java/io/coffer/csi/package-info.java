/**
 * Coffer as a Container Storage Interface driver: the Identity, Controller and Node services of
 * CSI v1.12.0 over gRPC on a Unix domain socket, served in the same process as the REST API and
 * sharing its catalog, so that a CSI volume or snapshot is a Coffer volume or snapshot.
 */
package io.coffer.csi;
