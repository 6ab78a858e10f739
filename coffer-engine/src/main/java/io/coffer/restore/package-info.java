/** RestoreRunner: restores a backup or one path of it, pack by pack, with every blob verified and nothing written outside the target. */
package io.coffer.restore;
