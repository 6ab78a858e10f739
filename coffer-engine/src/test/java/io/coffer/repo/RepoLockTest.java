package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.store.LocalObjectStore;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unlock removes the locks no one holds any more, and with --remove-all every lock. */
class RepoLockTest {
    @TempDir
    Path tmp;

    @Test
    void staleLocksGoLiveOnesStayUntilRemoveAll() throws Exception {
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        long dead = ProcessHandle.current().pid() + 1_000_000; // no such process
        RepoLock.write(repo, new RepoLock.Info("elsewhere", 7, Instant.now().minusSeconds(3600).toString(), true, "prune")); // not refreshed for an hour
        RepoLock.write(repo, new RepoLock.Info(RepoLock.hostname(), dead, Instant.now().toString(), true, "prune")); // its process is gone
        RepoLock.write(repo, new RepoLock.Info("elsewhere", 8, Instant.now().toString(), true, "prune")); // may be running there
        var removed = RepoLock.remove(repo, false);
        assertThat(removed).hasSize(2).anyMatch(l -> l.contains("pid 7 on elsewhere")).anyMatch(l -> l.contains("pid " + dead));
        assertThat(repo.store().list("locks/")).hasSize(1);
        assertThatThrownBy(() -> repo.lock(false, "backup")).hasMessageContaining("locked by an exclusive prune (pid 8 on elsewhere"); // the live one stays
        assertThat(RepoLock.remove(repo, true)).singleElement().asString().contains("pid 8 on elsewhere");
        assertThat(repo.store().list("locks/")).isEmpty();
        repo.lock(true, "prune").close(); // nothing in the way now
    }
}
