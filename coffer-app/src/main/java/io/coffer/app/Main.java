package io.coffer.app;

import io.coffer.cli.Cli;
import java.util.Map;

/** Entry point of the runnable jar behind {@code ./coffer}: the CLI plus {@code coffer server}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        io.coffer.sys.ZstdLibrary.prepare();
        int code = Cli.run(Map.of("server", ServerCommand.class), args);
        if (args.length > 0 && args[0].equals("server") && code == 0) return; // exits through the shutdown hook
        System.exit(code);
    }
}
