package io.coffer.volume;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a system tool (cp, losetup, fsfreeze) and turns its failure into a message. */
final class Commands {
    record Result(int code, String out) {}

    private Commands() {}

    static Result run(List<String> cmd, long timeoutSeconds) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(cmd.get(0) + " is not available on this host: " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).trim());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(cmd.get(0) + " interrupted");
        }
    }

    static String check(List<String> cmd, long timeoutSeconds) throws IOException {
        Result r = run(cmd, timeoutSeconds);
        if (r.code() != 0) throw new IOException(String.join(" ", cmd) + " failed (exit " + r.code() + "): " + r.out());
        return r.out();
    }
}
