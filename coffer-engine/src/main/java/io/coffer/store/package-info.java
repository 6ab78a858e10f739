/** The object store contract (ObjectStore) every repository is written through, the local-disk store, and the decorators (retries, fault injection) assembled in Stores. Knows nothing of the repository format. */
package io.coffer.store;
