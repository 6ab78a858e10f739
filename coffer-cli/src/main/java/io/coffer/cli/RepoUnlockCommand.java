package io.coffer.cli;

import io.coffer.repo.RepoLock;
import io.coffer.repo.Repository;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "unlock", description = "Remove stale locks (of processes gone from this host, or not refreshed for 30 minutes); --remove-all removes every lock.")
final class RepoUnlockCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Option(names = "--remove-all", description = "Remove every lock, also those of running processes: only when none uses the repository on any host.")
    boolean all;

    @Override
    public Integer call() throws IOException {
        try (Repository repo = r.open()) {
            List<String> removed = RepoLock.remove(repo, all);
            if (r.json) {
                Output.json(Map.of("removed", removed));
            } else {
                for (String l : removed) System.out.println("removed " + l);
                System.out.println(removed.size() + " lock(s) removed");
            }
            return ExitCodes.OK;
        }
    }
}
