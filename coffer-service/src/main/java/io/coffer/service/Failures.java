package io.coffer.service;

import io.coffer.repo.RepositoryException;
import io.coffer.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns an exception into the one-line reason recorded on a failed resource. */
final class Failures {
    private Failures() {}

    /**
     * True for the failures a job meets in the course of things (bad input, a full disk, a
     * damaged repository, a store that does not answer): the log gets their one-line reason, not
     * a stack trace. Anything else is a defect and is logged whole.
     */
    static boolean expected(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        return t instanceof ServiceException || t instanceof RepositoryException || t instanceof IOException;
    }

    static String reason(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        if (t instanceof ServiceException || t instanceof RepositoryException || t instanceof StoreException) return t.getMessage();
        if (t instanceof NoSuchFileException n) return "no such file: " + n.getFile();
        if (t instanceof AccessDeniedException a) return "permission denied: " + a.getFile();
        if (t instanceof FileSystemException f) return f.getMessage();
        if (t instanceof IOException) return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (t instanceof OutOfMemoryError) return io.coffer.repo.Heap.exhausted();
        if (t instanceof LinkageError l) return io.coffer.sys.ZstdLibrary.loadFailure(l);
        return "internal error: " + t;
    }
}
