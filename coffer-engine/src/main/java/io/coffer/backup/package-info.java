/** BackupRunner: walks a source, cuts files into chunks and stores them through the repository; incremental against a parent backup. */
package io.coffer.backup;
