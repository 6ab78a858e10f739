/** Pruner: mark and sweep over all backups; deletes and repacks what no backup references, under an exclusive lock. */
package io.coffer.prune;
