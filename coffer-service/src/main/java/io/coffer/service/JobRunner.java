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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs this node's queued jobs on a bounded pool. A job's outcome (its resources' final states
 * and the job's own) is written in one catalog transaction, so a reader never sees a finished job
 * beside a resource still marked busy. Progress is sampled into the catalog once a second.
 *
 * <p>Jobs are not handed over in memory: a request records its job, queued and naming the node
 * that must run it (the node of its volume), and a dispatcher on each node claims its own queued
 * jobs from the catalog as workers free up ({@link Catalog#claimQueuedJobs}), at once when this
 * node queued one, within a second when another node did.
 *
 * <pre>
 *   request          -> queued, for node N (in the catalog)
 *   N's dispatcher   -> claims it: running; handler.run does the work and returns its commit
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
    private final String node;
    private final int workers;
    private final Map<Job.Kind, Handler> handlers;
    private final ExecutorService pool;
    private final ScheduledExecutorService sampler;
    private final Thread dispatcher;
    private final Semaphore wakeups = new Semaphore(0);
    private volatile boolean closed;
    private final Map<String, JobContext> running = new ConcurrentHashMap<>();
    private final java.util.function.Consumer<Job> ended;

    /** {@code ended} hears of every job this node ends, once its outcome is recorded. */
    JobRunner(Catalog catalog, Clock clock, String node, int workers, Map<Job.Kind, Handler> handlers, java.util.function.Consumer<Job> ended) {
        this.ended = ended;
        this.catalog = catalog;
        this.clock = clock;
        this.node = node;
        this.workers = workers;
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
        this.dispatcher = new Thread(this::dispatch, "coffer-job-dispatch");
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    /** A job was queued (already in the catalog): its node's dispatcher runs it. */
    void submit(Job job) {
        if (!handlers.containsKey(job.kind())) throw new IllegalArgumentException("no handler for job kind " + job.kind());
        if (node.equals(job.node())) wakeups.release();
    }

    private void dispatch() {
        while (!closed) {
            try {
                wakeups.tryAcquire(1, TimeUnit.SECONDS);
                wakeups.drainPermits();
                int free = workers - running.size();
                if (free <= 0) continue;
                for (Job job : catalog.claimQueuedJobs(node, free, clock.instant())) {
                    JobContext ctx = new JobContext(job.id());
                    running.put(job.id(), ctx);
                    pool.execute(() -> execute(job, ctx));
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) return;
                LOG.warn("queued jobs not claimed: {}", e.getMessage());
                try {
                    Thread.sleep(1000); // the catalog is away: do not spin
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Live counters {bytesDone, bytesTotal, filesDone, filesTotal} of a job running now. */
    Optional<long[]> live(String jobId) {
        JobContext c = running.get(jobId);
        return c == null ? Optional.empty() : Optional.of(c.sample());
    }

    /**
     * Asks a job to stop: a job running here is interrupted, a queued one (of any node) is
     * cancelled before it starts. False when it runs on another node, or has just finished.
     */
    boolean cancel(String jobId) {
        JobContext c = running.get(jobId);
        if (c != null) {
            c.cancelled = true;
            Thread t = c.thread;
            if (t != null) t.interrupt();
            return true;
        }
        try (Catalog.Held held = catalog.writeLock()) {
            return catalog.inTransaction(() -> {
                Job job = catalog.job(jobId).orElse(null);
                if (job == null || job.status() != Job.Status.QUEUED) return false;
                Job cancelled = job.finish(Job.Status.CANCELLED, "cancelled before it started", clock.instant());
                if (!catalog.update(cancelled, Job.Status.QUEUED)) return false;
                handlers.get(job.kind()).fail(job, "cancelled before it started");
                LOG.info("job {} ({}) cancelled before it started", job.id(), job.kind());
                return true;
            }) && tell(catalog.job(jobId).orElse(null));
        }
    }

    /** Runs a job this node claimed (running in the catalog). */
    private void execute(Job job, JobContext ctx) {
        String jobId = job.id();
        try {
            Handler h = handlers.get(job.kind());
            if (ctx.cancelled) {
                finish(job, h, Job.Status.CANCELLED, "cancelled before it started");
                return;
            }
            ctx.thread = Thread.currentThread();
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
            Job succeeded = done.finish(Job.Status.SUCCEEDED, null, clock.instant());
            try (Catalog.Held held = catalog.writeLock()) {
                catalog.inTransaction(() -> {
                    commit.run();
                    catalog.update(succeeded);
                    return null;
                });
            }
            LOG.info("job {} ({}) succeeded", job.id(), job.kind());
            h.committed().accept(done); // what may go only once the success is recorded
            tell(succeeded);
        } catch (RuntimeException e) {
            LOG.error("job {} could not record its outcome", jobId, e);
        } finally {
            ctx.thread = null;
            Thread.interrupted(); // a late cancel must not leak into the next job on this thread
            running.remove(jobId);
            wakeups.release(); // a worker is free: claim the next job now
        }
    }

    private void finish(Job job, Handler h, Job.Status status, String reason) {
        Job ended = job.finish(status, reason, clock.instant());
        try (Catalog.Held held = catalog.writeLock()) {
            catalog.inTransaction(() -> {
                h.fail(job, reason);
                catalog.update(ended);
                return null;
            });
        }
        tell(ended);
    }

    /** Tells the listener of a job's end; true. */
    private boolean tell(Job j) {
        if (j == null) return true;
        try {
            ended.accept(j);
        } catch (RuntimeException e) {
            LOG.warn("the end of job {} was not told: {}", j.id(), e.toString());
        }
        return true;
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
        closed = true;
        dispatcher.interrupt();
        sampler.shutdownNow();
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
