package io.coffer.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code ./coffer} launcher as a separate process. */
final class CofferProcess {
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    static Path launcher() {
        String root = System.getProperty("coffer.root", "..");
        Path p = Path.of(root).toAbsolutePath().normalize().resolve("coffer");
        if (!Files.isExecutable(p)) throw new IllegalStateException("launcher not found at " + p);
        return p;
    }

    static ProcessBuilder builder(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("COFFER_REPO");
        pb.environment().remove("COFFER_PASSWORD");
        pb.environment().remove("COFFER_NEW_PASSWORD");
        pb.environment().putAll(env);
        return pb;
    }

    static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("coffer-out", ".txt");
        Path err = Files.createTempFile("coffer-err", ".txt");
        try {
            Process p = builder(env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("coffer " + String.join(" ", args) + " did not finish");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Result run(String... args) throws IOException, InterruptedException {
        return run(new HashMap<>(), args);
    }
}
