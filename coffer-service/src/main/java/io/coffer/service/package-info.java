/**
 * The backup service: volumes, snapshots, backups and restores as persisted state machines run
 * by a bounded pool of jobs, over the catalog, the volume drivers and the repository engine.
 *
 * <p>{@link io.coffer.service.CofferService} validates a request and records its intent (the
 * resource in its busy state and a queued job) in one catalog transaction, then returns; the
 * {@link io.coffer.service.JobRunner} does the work and records the outcome. On start the
 * {@link io.coffer.service.Reconciler} ends jobs a crash interrupted. Errors are
 * {@link io.coffer.service.ServiceException}s with a stable code that the HTTP layer maps to a
 * status. This package knows nothing of HTTP.
 */
package io.coffer.service;
