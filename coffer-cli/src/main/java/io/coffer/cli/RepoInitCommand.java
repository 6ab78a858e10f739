package io.coffer.cli;

import io.coffer.repo.InitOptions;
import io.coffer.repo.RepoConfig;
import io.coffer.repo.Repository;
import io.coffer.repo.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "init", description = "Create a repository. It is encrypted when a password or key file is given.")
final class RepoInitCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Option(names = "--compression", defaultValue = "zstd:1", description = "zstd:LEVEL or none (default ${DEFAULT-VALUE}).")
    String compression;

    @Option(names = "--chunk-avg", defaultValue = "1MiB", description = "Average content-defined chunk size, a power of two (default ${DEFAULT-VALUE}); min is a quarter, max four times.")
    String chunkAvg;

    @Option(names = "--db-block", defaultValue = "8KiB", description = "Fixed block size for database files (default ${DEFAULT-VALUE}: the page size of PostgreSQL, so an incremental stores exactly the pages that changed).")
    String dbBlock;

    @Option(names = "--image-block", defaultValue = "64KiB", description = "Fixed block size for raw images and devices (default ${DEFAULT-VALUE}).")
    String imageBlock;

    @Option(names = "--db-glob", paramLabel = "GLOB", description = "Files cut in fixed database blocks (repeatable; replaces the defaults: PostgreSQL base/ and global/, InnoDB *.ibd, ibdata*).")
    List<String> dbGlobs;

    @Option(names = "--pack-size", defaultValue = "32MiB", description = "Target pack size (default ${DEFAULT-VALUE}).")
    String packSize;

    @Override
    public Integer call() throws IOException {
        InitOptions o = InitOptions.defaults();
        String[] c = compression.split(":", 2);
        int level = c.length > 1 ? RepoCommand.parseInt(c[1], "--compression level") : 1;
        o = o.withCompression(new RepoConfig.Compression(c[0], level));
        int avg = (int) Sizes.parse(chunkAvg);
        o = o.withChunker(avg / 4, avg, avg * 4);
        o = o.withFixed(new RepoConfig.Fixed((int) Sizes.parse(dbBlock), (int) Sizes.parse(imageBlock),
                dbGlobs == null ? RepoConfig.DEFAULT_DATABASE_GLOBS : dbGlobs));
        long ps = Sizes.parse(packSize);
        o = o.withPackSize(ps, Math.min(ps, 8L << 20));
        Secret secret = r.secret();
        try (Repository repo = Repository.init(r.store(), o, secret)) {
            if (r.json) {
                Output.json(Map.of("location", repo.store().location(), "id", repo.config().id(), "encrypted", repo.config().encrypted()));
            } else {
                System.out.println("created " + (secret != null ? "encrypted " : "") + "repository " + repo.config().id() + " at " + repo.store().location());
                if (secret == null && !r.quiet) System.err.println("note: the repository is not encrypted (give --password-file or --key-file to encrypt)");
            }
        }
        return ExitCodes.OK;
    }
}
