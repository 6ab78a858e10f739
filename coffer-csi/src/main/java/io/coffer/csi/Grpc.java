package io.coffer.csi;

import io.coffer.service.ServiceException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One way to answer a call: the value, or the error as a gRPC status that says what went wrong and what to do. */
final class Grpc {
    private static final Logger LOG = LoggerFactory.getLogger(Grpc.class);

    private Grpc() {}

    /** What a call computes; it may fail with a status, a service refusal or an I/O error. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws IOException, InterruptedException;
    }

    /** Runs {@code call} and answers with its value or its error, mapped to the codes the CSI spec gives. */
    static <T> void answer(String rpc, StreamObserver<T> out, Call<T> call) {
        T value;
        try {
            value = call.run();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (ServiceException e) {
            out.onError(status(e).withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("{} failed", rpc, e);
            out.onError(Status.INTERNAL.withDescription(rpc + " failed: " + e.getMessage()).asRuntimeException());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.onError(Status.ABORTED.withDescription(rpc + " was interrupted; retry").asRuntimeException());
            return;
        } catch (RuntimeException e) {
            LOG.error("{} failed", rpc, e);
            out.onError(Status.INTERNAL.withDescription(rpc + " failed: " + e).asRuntimeException());
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }

    /** A refusal of the service in CSI's terms: a resource's state is a failed precondition. */
    static Status status(ServiceException e) {
        return switch (e.code()) {
            case NOT_FOUND -> Status.NOT_FOUND;
            case INVALID_REQUEST, UNPROCESSABLE -> Status.INVALID_ARGUMENT;
            case CONFLICT -> Status.FAILED_PRECONDITION;
            case UNAUTHORIZED -> Status.PERMISSION_DENIED;
            case INTERNAL -> Status.INTERNAL;
            case INSUFFICIENT_STORAGE -> Status.RESOURCE_EXHAUSTED;
        };
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException exists(String message) {
        return Status.ALREADY_EXISTS.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException aborted(String message) {
        return Status.ABORTED.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException precondition(String message) {
        return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException();
    }

    /** Refuses an empty required field. */
    static String required(String value, String field) {
        if (value == null || value.isEmpty()) throw invalid(field + " is required");
        return value;
    }
}
