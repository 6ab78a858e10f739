package io.coffer.service;

import io.coffer.catalog.Catalog;
import io.coffer.catalog.Job;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs queued jobs on a bounded pool. A job's outcome (its resources' final states and the job's
 * own) is written in one catalog transaction, so a reader never sees a finished job beside a
 * resource still marked busy. Progress is sampled into the catalog once a second.
 *
 * <pre>
 *   submit(job)      -> queued (already in the catalog)
 *   worker picks it  -> running; handler.run does the work and returns its commit
 *   success          -> tx { commit(); job succeeded }
 *   failure/cancel   -> tx { handler.fail(reason); job failed|cancelled }
 * </pre>
 */
final class JobRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    /** The work of one kind of job. */
    record Handler(Work work, Failure failure, java.util.function.Consumer<Job> committed) {
        Handler(Work work, Failure failure) {
            this(work, failure, job -> { });
        }

        Runnable run(Job job, JobContext ctx) throws Exception {
            return work.run(job, ctx);
        }

        void fail(Job job, String reason) {
            failure.fail(job, reason);
        }
    }

    /** Does the work; returns what to record on success (run inside the final transaction). */
    interface Work {
        Runnable run(Job job, JobContext ctx) throws Exception;
    }

    /** Records the failure on the job's resources (inside the final transaction). */
    interface Failure {
        void fail(Job job, String reason);
    }

    private final Catalog catalog;
    private final Clock clock;
    private final Map<Job.Kind, Handler> handlers;
    private final ExecutorService pool;
    private final ScheduledExecutorService sampler;
    private final Map<String, JobContext> running = new ConcurrentHashMap<>();

    JobRunner(Catalog catalog, Clock clock, int workers, Map<Job.Kind, Handler> handlers) {
        this.catalog = catalog;
        this.clock = clock;
        this.handlers = Map.copyOf(handlers);
        this.pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "coffer-job");
            t.setDaemon(true);
            return t;
        });
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coffer-job-progress");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(this::sampleAll, 1, 1, TimeUnit.SECONDS);
    }

    void submit(Job job) {
        if (!handlers.containsKey(job.kind())) throw new IllegalArgumentException("no handler for job kind " + job.kind());
        JobContext ctx = new JobContext(job.id());
        running.put(job.id(), ctx);
        pool.execute(() -> execute(job.id(), ctx));
    }

    /** Live counters {bytesDone, bytesTotal, filesDone, filesTotal} of a job running now. */
    Optional<long[]> live(String jobId) {
        JobContext c = running.get(jobId);
        return c == null ? Optional.empty() : Optional.of(c.sample());
    }

    /** Asks a queued or running job to stop; false when it is not running here. */
    boolean cancel(String jobId) {
        JobContext c = running.get(jobId);
        if (c == null) return false;
        c.cancelled = true;
        Thread t = c.thread;
        if (t != null) t.interrupt();
        return true;
    }

    private void execute(String jobId, JobContext ctx) {
        Job job = catalog.job(jobId).orElse(null);
        try {
            if (job == null || job.status() != Job.Status.QUEUED) return;
            Handler h = handlers.get(job.kind());
            if (ctx.cancelled) {
                finish(job, h, Job.Status.CANCELLED, "cancelled before it started");
                return;
            }
            ctx.thread = Thread.currentThread();
            job = job.started(clock.instant());
            catalog.update(job);
            LOG.info("job {} ({} of {} {}) started", job.id(), job.kind(), job.resourceType(), job.resourceId());
            Runnable commit;
            try {
                commit = h.run(job, ctx);
            } catch (Throwable e) {
                // an interrupt surfaces as many exception types (InterruptedIOException,
                // ClosedByInterruptException, wrapped InterruptedException): the request decides
                boolean cancelled = ctx.cancelled;
                String reason = cancelled ? "cancelled by request" : Failures.reason(e);
                if (cancelled) {
                    LOG.info("job {} ({}) cancelled", job.id(), job.kind());
                } else if (Failures.expected(e)) {
                    LOG.warn("job {} ({}) failed: {}", job.id(), job.kind(), reason); // one line: the reason says it all
                } else {
                    LOG.warn("job {} ({}) failed: {}", job.id(), job.kind(), reason, e); // a defect: the whole trace
                }
                finish(sampled(job, ctx), h, cancelled ? Job.Status.CANCELLED : Job.Status.FAILED, reason);
                return;
            }
            Job done = sampled(job, ctx);
            catalog.inTransaction(() -> {
                commit.run();
                catalog.update(done.finish(Job.Status.SUCCEEDED, null, clock.instant()));
                return null;
            });
            LOG.info("job {} ({}) succeeded", job.id(), job.kind());
            h.committed().accept(done); // what may go only once the success is recorded
        } catch (RuntimeException e) {
            LOG.error("job {} could not record its outcome", jobId, e);
        } finally {
            ctx.thread = null;
            Thread.interrupted(); // a late cancel must not leak into the next job on this thread
            running.remove(jobId);
        }
    }

    private void finish(Job job, Handler h, Job.Status status, String reason) {
        catalog.inTransaction(() -> {
            h.fail(job, reason);
            catalog.update(job.finish(status, reason, clock.instant()));
            return null;
        });
    }

    private Job sampled(Job job, JobContext ctx) {
        long[] s = ctx.sample();
        return job.progress(s[0], s[1], s[2], s[3], clock.instant());
    }

    private void sampleAll() {
        for (JobContext ctx : running.values()) {
            if (ctx.thread == null) continue;
            try {
                // conditional: the job may finish between this read and the write
                catalog.job(ctx.jobId).filter(j -> j.status() == Job.Status.RUNNING).ifPresent(j -> catalog.updateWhileRunning(sampled(j, ctx)));
            } catch (RuntimeException e) {
                LOG.debug("progress of job {} not recorded: {}", ctx.jobId, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
