package io.coffer.store.s3;

import io.coffer.store.Keys;
import io.coffer.store.ObjectExistsException;
import io.coffer.store.ObjectInfo;
import io.coffer.store.ObjectNotFoundException;
import io.coffer.store.ObjectStore;
import io.coffer.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ObjectStore} in an S3 bucket, under a prefix, on the AWS SDK for Java v2. Works with
 * AWS S3 and with S3-compatible servers (Ceph RGW, MinIO, OpenStack Swift's s3api), which is why
 * it turns off what those servers do not accept over plain http: aws-chunked payload signing and
 * checksum trailers (a checksum is sent only where the API requires one, and Content-MD5 on every
 * put, so a body damaged in transit is refused by the server).
 *
 * <p>No overwrite: puts carry {@code If-None-Match: *}, which AWS and recent servers enforce
 * atomically. Whether the server does is probed once, before the first put (Swift's s3api answers
 * 501, some servers ignore the header); where it does not, the store checks with HEAD under a lock
 * per key, which is exact within this process. Across processes the repository's names make an
 * overwrite harmless: data objects are content-addressed, lock and manifest names are random.
 *
 * <p>The bucket is created on the first put that finds it missing, when the credentials allow.
 * The SDK does no retries of its own: {@code RetryingObjectStore} retries what {@link
 * StoreException#retryable()} says may succeed.
 */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client s3;
    private final S3Settings settings;
    private final String bucket;
    private final String prefix;
    private volatile Boolean conditionalPuts; // null: not probed yet
    private final ReentrantLock[] keyLocks = new ReentrantLock[64];

    private S3ObjectStore(S3Client s3, S3Settings settings) {
        this.s3 = s3;
        this.settings = settings;
        this.bucket = settings.bucket();
        this.prefix = settings.prefix();
        for (int i = 0; i < keyLocks.length; i++) keyLocks[i] = new ReentrantLock();
    }

    public static S3ObjectStore open(S3Settings st) {
        AwsCredentialsProvider creds;
        if (st.accessKeyId() != null) {
            creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(st.accessKeyId(), st.secretAccessKey()));
        } else if (st.profile() != null) {
            creds = ProfileCredentialsProvider.create(st.profile());
        } else {
            creds = DefaultCredentialsProvider.builder().build();
        }
        var b = S3Client.builder()
                .region(Region.of(st.region()))
                .credentialsProvider(creds)
                .forcePathStyle(st.pathStyle())
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .addPlugin(LegacyMd5Plugin.create())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(st.timeout().multipliedBy(5)))
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(st.connections())
                        .expectContinueEnabled(false) // a server that answers early (404, 501) then drops the connection
                        .connectionMaxIdleTime(Duration.ofSeconds(20))
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(st.timeout()));
        if (st.endpoint() != null) b.endpointOverride(st.endpoint());
        return new S3ObjectStore(b.build(), st);
    }

    private String where(String key) {
        return "s3://" + bucket + "/" + prefix + key;
    }

    @Override
    public void put(String key, ByteBuffer data) throws IOException {
        Keys.check(key);
        String md5 = md5(data.duplicate());
        if (conditionalPuts == null) probeConditionalPuts();
        if (!conditionalPuts) {
            ReentrantLock lock = keyLocks[Math.floorMod(key.hashCode(), keyLocks.length)];
            lock.lock();
            try {
                if (exists(key)) throw new ObjectExistsException(location(), key);
                upload(key, data, md5, false);
            } finally {
                lock.unlock();
            }
            return;
        }
        upload(key, data, md5, true);
    }

    /**
     * Finds out once whether the server enforces {@code If-None-Match: *} on puts: an empty probe
     * object is put twice under a random name (the second put must be refused), then removed.
     * Some servers answer 501, others ignore the header; both mean "check with HEAD".
     */
    private synchronized void probeConditionalPuts() throws IOException {
        if (conditionalPuts != null) return;
        String probe = "probe-" + java.util.UUID.randomUUID();
        String md5 = md5(ByteBuffer.allocate(0));
        boolean enforced;
        try {
            upload(probe, ByteBuffer.allocate(0), md5, true);
            try {
                upload(probe, ByteBuffer.allocate(0), md5, true);
                enforced = false;
            } catch (ObjectExistsException expected) {
                enforced = true;
            }
            try {
                s3.deleteObject(r -> r.bucket(bucket).key(prefix + probe));
            } catch (SdkException e) {
                // a stray empty object, harmless
            }
        } catch (StoreException e) {
            if (!(e.getCause() instanceof S3Exception s) || s.statusCode() != 501) throw e;
            enforced = false;
        }
        conditionalPuts = enforced;
    }

    private void upload(String key, ByteBuffer data, String md5, boolean conditional) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                var req = software.amazon.awssdk.services.s3.model.PutObjectRequest.builder()
                        .bucket(bucket).key(prefix + key).contentLength((long) data.remaining()).contentMD5(md5);
                if (conditional) req.ifNoneMatch("*");
                s3.putObject(req.build(), body(data));
                return;
            } catch (S3Exception e) {
                if (e.statusCode() == 412 || "PreconditionFailed".equals(code(e))) {
                    throw new ObjectExistsException(location(), key);
                }
                if ("NoSuchBucket".equals(code(e)) && attempt == 0) {
                    createBucket();
                    continue;
                }
                throw fail(key, "put", e);
            } catch (SdkException e) {
                throw fail(key, "put", e);
            }
        }
    }

    private void createBucket() throws IOException {
        try {
            s3.createBucket(r -> r.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException e) {
            // created by a concurrent writer
        } catch (S3Exception e) {
            if (!"BucketAlreadyOwnedByYou".equals(code(e))) {
                throw new StoreException(null, "bucket " + bucket + " does not exist and could not be created: "
                        + e.statusCode() + " " + code(e) + " (create it, or use credentials that may)", false, e);
            }
        } catch (SdkException e) {
            throw fail(null, "create bucket", e);
        }
    }

    @Override
    public byte[] get(String key) throws IOException {
        Keys.check(key);
        try {
            return read(key, s3.getObject(r -> r.bucket(bucket).key(prefix + key)));
        } catch (SdkException e) {
            throw fail(key, "get", e);
        }
    }

    /**
     * Reads a response body straight into an array of its announced length: the SDK's
     * {@code getObjectAsBytes} grows a buffer and then copies it twice, which for ranges of many
     * MiB is most of a restore's memory traffic.
     */
    private static byte[] read(String key, ResponseInputStream<GetObjectResponse> in) throws IOException {
        try (in) {
            Long announced = in.response().contentLength();
            if (announced == null || announced < 0 || announced > Integer.MAX_VALUE - 16) return in.readAllBytes();
            byte[] b = new byte[announced.intValue()];
            int n = in.readNBytes(b, 0, b.length);
            if (n != b.length) throw new StoreException(key, "get " + key + " failed: the body ended after " + n + " of " + b.length + " bytes", true);
            return b;
        } catch (StoreException e) {
            throw e;
        } catch (IOException e) {
            throw new StoreException(key, "get " + key + " failed while reading the body: " + e.getMessage(), true, e);
        }
    }

    @Override
    public byte[] get(String key, long offset, int length) throws IOException {
        Keys.checkRange(key, offset, length);
        if (length == 0) {
            stat(key);
            return new byte[0];
        }
        try {
            String range = Keys.httpRange(offset, length);
            return read(key, s3.getObject(r -> r.bucket(bucket).key(prefix + key).range(range)));
        } catch (S3Exception e) {
            if (e.statusCode() == 416) { // the range starts at or past the end
                stat(key);
                return new byte[0];
            }
            throw fail(key, "get", e);
        } catch (SdkException e) {
            throw fail(key, "get", e);
        }
    }

    @Override
    public int read(String key, long offset, byte[] dst, int dstOff, int length) throws IOException {
        Keys.checkRead(key, offset, dst, dstOff, length);
        if (length == 0) {
            stat(key);
            return 0;
        }
        String range = Keys.httpRange(offset, length);
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(prefix + key).range(range))) {
            Long announced = in.response().contentLength();
            // straight into the caller's buffer: a range is never longer than asked for
            int want = announced == null || announced < 0 ? length : (int) Math.min(length, announced);
            int n = in.readNBytes(dst, dstOff, want);
            if (announced != null && announced >= 0 && n != want) {
                throw new StoreException(key, "get " + key + " failed: the body ended after " + n + " of " + want + " bytes", true);
            }
            return n;
        } catch (S3Exception e) {
            if (e.statusCode() == 416) { // the range starts at or past the end
                stat(key);
                return 0;
            }
            throw fail(key, "get", e);
        } catch (SdkException e) {
            throw fail(key, "get", e);
        } catch (StoreException e) {
            throw e;
        } catch (IOException e) {
            throw new StoreException(key, "get " + key + " failed while reading the body: " + e.getMessage(), true, e);
        }
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        Keys.check(key);
        try {
            return new ObjectInfo(key, s3.headObject(r -> r.bucket(bucket).key(prefix + key)).contentLength());
        } catch (SdkException e) {
            throw fail(key, "stat", e);
        }
    }

    private boolean exists(String key) throws IOException {
        try {
            stat(key);
            return true;
        } catch (ObjectNotFoundException e) {
            return false;
        }
    }

    @Override
    public List<ObjectInfo> list(String p) throws IOException {
        Keys.checkPrefix(p);
        List<ObjectInfo> out = new ArrayList<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix + p).maxKeys(1000)).contents()) {
                out.add(new ObjectInfo(o.key().substring(prefix.length()), o.size()));
            }
        } catch (S3Exception e) {
            if ("NoSuchBucket".equals(code(e))) return out; // nothing stored yet
            throw fail(p, "list", e);
        } catch (SdkException e) {
            throw fail(p, "list", e);
        }
        return out;
    }

    @Override
    public void delete(String key) throws IOException {
        stat(key); // S3 deletes are silent about missing keys; the contract is not
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(prefix + key));
        } catch (SdkException e) {
            throw fail(key, "delete", e);
        }
    }

    @Override
    public String location() {
        return settings.location();
    }

    @Override
    public void close() {
        s3.close();
    }

    private static String code(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    /** One failure as the contract names it: not found, retryable or not, always naming the object. */
    private StoreException fail(String key, String op, SdkException e) {
        String what = key == null ? location() : where(key);
        if (e instanceof S3Exception s) {
            int status = s.statusCode();
            String code = code(s);
            if (status == 404 && key != null) return new ObjectNotFoundException(location(), key);
            boolean retry = status >= 500 || status == 429 || status == 408 || "SlowDown".equals(code) || "RequestTimeout".equals(code);
            String hint = switch (status) {
                case 403 -> " (access denied: check the credentials and the bucket's policy)";
                case 404 -> " (bucket " + bucket + " does not exist)";
                default -> "";
            };
            return new StoreException(key, op + " " + what + " failed: HTTP " + status + (code == null ? "" : " " + code) + hint, retry, e);
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        boolean credentials = e instanceof SdkClientException && msg.contains("credentials");
        return new StoreException(key, op + " " + what + " failed: " + msg, !credentials, e);
    }

    /** The body without a copy (packs are tens of MiB; the SDK's own ByteBuffer bodies copy them). */
    private static RequestBody body(ByteBuffer data) {
        if (!data.hasArray()) return RequestBody.fromRemainingByteBuffer(data.duplicate());
        byte[] a = data.array();
        int off = data.arrayOffset() + data.position(), len = data.remaining();
        return RequestBody.fromContentProvider(() -> new java.io.ByteArrayInputStream(a, off, len), len, "application/octet-stream");
    }

    private static String md5(ByteBuffer b) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(b);
            return Base64.getEncoder().encodeToString(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
