package io.coffer.cli;

import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.repo.Secret;
import io.coffer.store.ObjectStore;
import io.coffer.store.Stores;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every offline repository command takes. */
final class RepoOptions {
    @Option(names = "--repo", paramLabel = "URL", description = "Repository location: a directory, s3://BUCKET/PREFIX or swift://CONTAINER/PREFIX (default: $COFFER_REPO).")
    String repo;

    @Option(names = "--password-file", paramLabel = "FILE", description = "Read the repository password from FILE (or set $COFFER_PASSWORD).")
    Path passwordFile;

    @Option(names = "--key-file", paramLabel = "FILE", description = "Open the repository with a key file (32+ random bytes).")
    Path keyFile;

    @Option(names = "--json", description = "Print the result as JSON on stdout (same as -o json).")
    boolean json;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, paramLabel = "table|json", description = "Output format, as for the server commands (default: table).")
    void output(String format) {
        switch (format) {
            case "json" -> json = true;
            case "table" -> json = false;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--output must be table or json, not '" + format + "'");
        }
    }

    @Option(names = {"-q", "--quiet"}, description = "No progress or summary on stderr.")
    boolean quiet;

    String location() {
        String r = repo != null ? repo : System.getenv("COFFER_REPO");
        if (r == null || r.isBlank()) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "no repository given: use --repo URL (a directory, s3://BUCKET/PREFIX or swift://CONTAINER/PREFIX) or set COFFER_REPO");
        }
        return r;
    }

    /** The secret from --key-file, --password-file or $COFFER_PASSWORD, or null. */
    Secret secret() {
        if (keyFile != null && passwordFile != null) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "give either --password-file or --key-file, not both");
        }
        if (keyFile != null) return Secret.keyFile(keyFile);
        if (passwordFile != null) return Secret.passwordFile(passwordFile);
        String env = System.getenv("COFFER_PASSWORD");
        if (env != null && !env.isEmpty()) return new Secret.Password(env.toCharArray());
        return null;
    }

    ObjectStore store() throws IOException {
        return Stores.open(location());
    }

    Repository open() throws IOException {
        return Repository.open(store(), secret());
    }
}
