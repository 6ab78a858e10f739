package io.coffer.cli;

import io.coffer.repo.Manifest;
import io.coffer.repo.Node;
import io.coffer.repo.Repository;
import io.coffer.restore.FileDump;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "dump", description = "Write one file of a backup to standard output, each block verified as it is read.")
final class RepoDumpCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Parameters(index = "0", paramLabel = "ID", description = "Backup id, unique prefix, or 'latest'.")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "The file, as repo ls shows it (none for a backup of one file or image).")
    String path;

    @Override
    public Integer call() throws IOException {
        try (Repository repo = r.open()) {
            Manifest m = repo.loadManifest(repo.resolveBackup(id));
            Node file = FileDump.find(repo, m, path);
            java.io.OutputStream out = new java.io.BufferedOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), 1 << 20);
            FileDump.write(repo, file, out);
            return ExitCodes.OK;
        }
    }
}
