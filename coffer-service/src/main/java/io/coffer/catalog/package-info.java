/**
 * The catalog: what the service knows of volumes, snapshots, backups and jobs, kept in a SQL
 * database (SQLite by default, PostgreSQL when configured) whose schema Flyway migrates.
 *
 * <p>Every record is an immutable value; a state change is a new value written with
 * {@link io.coffer.catalog.Catalog#update}. Several changes that must be seen together (a backup
 * finishing and its volume returning to {@code available}) are written in one transaction.
 * This package knows nothing of HTTP, volumes on disk or the repository engine.
 */
package io.coffer.catalog;
