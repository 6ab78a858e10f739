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

    @Command(name = "list", description = "List the key slots; * marks the one this command opened with.")
    static final class ListKeys implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Override
        public Integer call() throws IOException {
            List<RepositoryKeys.Slot> slots;
            try (ObjectStore store = r.store()) {
                slots = RepositoryKeys.list(store, r.secret());
            }
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
            String id;
            try (ObjectStore store = r.store()) {
                id = RepositoryKeys.add(store, r.secret(), s);
            }
            if (r.json) Output.json(Map.of("id", id));
            else System.out.println("added key " + id.substring(0, 12));
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", description = "Remove a key slot (not the one this command opens with, nor the last).")
    static final class Remove implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Parameters(paramLabel = "ID", description = "Key id or a unique prefix of it (see coffer repo key list).")
        String id;

        @Override
        public Integer call() throws IOException {
            String removed;
            try (ObjectStore store = r.store()) {
                removed = RepositoryKeys.remove(store, r.secret(), id);
            }
            if (r.json) Output.json(Map.of("removed", removed));
            else System.out.println("removed key " + removed.substring(0, 12));
            return ExitCodes.OK;
        }
    }

    @Command(name = "passwd", description = "Change the password or key file this command opens with: a new slot replaces its slot.")
    static final class Passwd implements Callable<Integer> {
        @Mixin RepoOptions r;
        @Mixin NewSecret replacement;

        @Override
        public Integer call() throws IOException {
            Secret s = replacement.secret();
            String id;
            try (ObjectStore store = r.store()) {
                id = RepositoryKeys.change(store, r.secret(), s);
            }
            if (r.json) Output.json(Map.of("id", id));
            else System.out.println("changed: key " + id.substring(0, 12) + " replaces the one opened with");
            return ExitCodes.OK;
        }
    }
}
