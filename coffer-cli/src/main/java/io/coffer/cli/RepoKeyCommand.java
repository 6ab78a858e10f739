package io.coffer.cli;

import io.coffer.repo.RepositoryKeys;
import io.coffer.repo.Secret;
import io.coffer.store.ObjectStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coffer repo key}: the passwords and key files that open an encrypted repository. */
@Command(name = "key", description = "List, add, remove or change the passwords and key files that open an encrypted repository.",
        subcommands = {RepoKeyCommand.ListKeys.class, RepoKeyCommand.Add.class, RepoKeyCommand.Remove.class, RepoKeyCommand.Passwd.class})
final class RepoKeyCommand {

    /** The secret a command adds: --new-password-file, --new-key-file or $COFFER_NEW_PASSWORD. */
    static final class NewSecret {
        @Option(names = "--new-password-file", paramLabel = "FILE", description = "The new password, from the first line of FILE (or set $COFFER_NEW_PASSWORD).")
        Path passwordFile;

        @Option(names = "--new-key-file", paramLabel = "FILE", description = "A key file (32+ random bytes: head -c 32 /dev/urandom > FILE).")
        Path keyFile;

        Secret secret() {
            String env = System.getenv("COFFER_NEW_PASSWORD");
            int given = (passwordFile != null ? 1 : 0) + (keyFile != null ? 1 : 0) + (passwordFile == null && keyFile == null && env != null && !env.isEmpty() ? 1 : 0);
            if (passwordFile != null && keyFile != null) throw new ApiException(ExitCodes.USAGE, "give --new-password-file or --new-key-file, not both");
            if (given == 0) throw new ApiException(ExitCodes.USAGE, "give the new secret: --new-password-file FILE, --new-key-file FILE or COFFER_NEW_PASSWORD");
            if (keyFile != null) return Secret.keyFile(keyFile);
            if (passwordFile != null) return Secret.passwordFile(passwordFile);
            return new Secret.Password(env.toCharArray());
        }
    }

    private interface KeyCall<T> {
        T on(ObjectStore store, Secret secret) throws IOException;
    }

    /** Runs {@code call} on the repository's store with the secret it is opened with; closes the store. */
    private static <T> T withStore(RepoOptions r, KeyCall<T> call) throws IOException {
        try (ObjectStore store = r.store()) {
            return call.on(store, r.secret());
        }
    }

    /** Prints what a command did: {@code {field: id}} with --json, else {@code text} and the short id. */
    private static int done(RepoOptions r, String field, String id, String text) {
        if (r.json) Output.json(Map.of(field, id));
        else System.out.println(text.formatted(id.substring(0, 12)));
        return ExitCodes.OK;
    }

    @Command(name = "list", description = "List the key slots; * marks the one this command opened with.")
    static final class ListKeys implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Override
        public Integer call() throws IOException {
            List<RepositoryKeys.Slot> slots = withStore(r, RepositoryKeys::list);
            if (r.json) {
                List<Map<String, Object>> out = new ArrayList<>();
                for (var s : slots) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", s.id());
                    row.put("type", s.type());
                    row.put("created", s.created());
                    row.put("current", s.current());
                    out.add(row);
                }
                Output.json(out);
            } else {
                System.out.printf("  %-12s  %-8s  %s%n", "ID", "TYPE", "CREATED");
                for (var s : slots) System.out.printf("%s %-12s  %-8s  %s%n", s.current() ? "*" : " ", s.id().substring(0, 12), s.type(), s.created());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "add", description = "Add a password or key file that opens the repository too.")
    static final class Add implements Callable<Integer> {
        @Mixin RepoOptions r;
        @Mixin NewSecret added;

        @Override
        public Integer call() throws IOException {
            Secret s = added.secret();
            return done(r, "id", withStore(r, (store, secret) -> RepositoryKeys.add(store, secret, s)), "added key %s");
        }
    }

    @Command(name = "remove", description = "Remove a key slot (not the one this command opens with, nor the last).")
    static final class Remove implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Parameters(paramLabel = "ID", description = "Key id or a unique prefix of it (see coffer repo key list).")
        String id;

        @Override
        public Integer call() throws IOException {
            return done(r, "removed", withStore(r, (store, secret) -> RepositoryKeys.remove(store, secret, id)), "removed key %s");
        }
    }

    @Command(name = "passwd", description = "Change the password or key file this command opens with: a new slot replaces its slot.")
    static final class Passwd implements Callable<Integer> {
        @Mixin RepoOptions r;
        @Mixin NewSecret replacement;

        @Override
        public Integer call() throws IOException {
            Secret s = replacement.secret();
            return done(r, "id", withStore(r, (store, secret) -> RepositoryKeys.change(store, secret, s)), "changed: key %s replaces the one opened with");
        }
    }
}
