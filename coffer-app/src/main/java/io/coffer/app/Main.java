package io.coffer.app;

import io.coffer.cli.Cli;

/** Entry point of the runnable jar behind {@code ./coffer}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(Cli.run(args));
    }
}
