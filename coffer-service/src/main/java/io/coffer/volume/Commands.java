package io.coffer.volume;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a system tool (cp, losetup, fsfreeze, mount) and turns its failure into a message. */
public final class Commands {
    record Result(int code, String out) {}

    private Commands() {}

    /** The tool's path: as given when it has a '/', else found on PATH or in the system directories (sbin may be off PATH). */
    static String locate(String tool) {
        if (tool.contains("/")) return tool;
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : (path + ":/usr/sbin:/sbin:/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) return dir + "/" + tool;
        }
        return tool;
    }

    static Result run(List<String> cmd, long timeoutSeconds) throws IOException {
        Process p;
        List<String> resolved = new java.util.ArrayList<>(cmd);
        resolved.set(0, locate(cmd.get(0)));
        try {
            p = new ProcessBuilder(resolved).redirectErrorStream(true).start();
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

    /** The tool's output, trimmed; its failure (or its absence) as an IOException naming it. */
    public static String check(List<String> cmd, long timeoutSeconds) throws IOException {
        Result r = run(cmd, timeoutSeconds);
        if (r.code() != 0) throw new IOException(String.join(" ", cmd) + " failed (exit " + r.code() + "): " + r.out());
        return r.out();
    }
}
