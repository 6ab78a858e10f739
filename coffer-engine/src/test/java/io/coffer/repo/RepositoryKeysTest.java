package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.store.LocalObjectStore;
import io.coffer.store.ObjectStore;
import io.coffer.testing.ForwardingObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryKeysTest {
    @TempDir
    Path tmp;
    ObjectStore store;
    String blob;

    static Secret pw(String s) {
        return new Secret.Password(s.toCharArray());
    }

    static Secret keyFile() {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) 7);
        return new Secret.KeyFile(k, "test key");
    }

    @BeforeEach
    void setUp() throws IOException {
        store = LocalObjectStore.open(tmp.resolve("repo"));
        try (Repository repo = Repository.init(store, InitOptions.defaults(), pw("alpha"))) {
            byte[] data = "the same data under every key".getBytes();
            blob = repo.hash(data, 0, data.length).hex();
        }
    }

    /** Opens the repository with {@code s} and checks it derives the same keys as before. */
    void opensWith(Secret s) throws IOException {
        try (Repository repo = Repository.open(store, s)) {
            byte[] data = "the same data under every key".getBytes();
            assertThat(repo.hash(data, 0, data.length).hex()).isEqualTo(blob);
        }
    }

    void refuses(Secret s) {
        assertThatThrownBy(() -> Repository.open(store, s)).isInstanceOf(RepositoryException.class)
                .satisfies(e -> assertThat(((RepositoryException) e).kind()).isEqualTo(RepositoryException.Kind.WRONG_KEY));
    }

    @Test
    void addRemoveAndChangeKeysWhileTheMasterKeyStays() throws IOException {
        List<RepositoryKeys.Slot> one = RepositoryKeys.list(store, pw("alpha"));
        assertThat(one).hasSize(1);
        assertThat(one.get(0).current()).isTrue();
        assertThat(one.get(0).type()).isEqualTo("password");

        String beta = RepositoryKeys.add(store, pw("alpha"), pw("beta"));
        String file = RepositoryKeys.add(store, pw("beta"), keyFile());
        opensWith(pw("alpha"));
        opensWith(pw("beta"));
        opensWith(keyFile());
        List<RepositoryKeys.Slot> three = RepositoryKeys.list(store, keyFile());
        assertThat(three).hasSize(3);
        assertThat(three.stream().filter(RepositoryKeys.Slot::current).map(RepositoryKeys.Slot::id)).containsExactly(file);

        // the slot one opened with is never removed (so neither is the last one)
        String alpha = one.get(0).id();
        assertThatThrownBy(() -> RepositoryKeys.remove(store, pw("alpha"), alpha.substring(0, 8))).hasMessageContaining("opened the repository with");
        assertThat(RepositoryKeys.remove(store, pw("beta"), alpha.substring(0, 8))).isEqualTo(alpha);
        refuses(pw("alpha"));

        String gamma = RepositoryKeys.change(store, pw("beta"), pw("gamma"));
        refuses(pw("beta"));
        opensWith(pw("gamma"));
        assertThat(RepositoryKeys.list(store, pw("gamma")).stream().map(RepositoryKeys.Slot::id)).containsExactlyInAnyOrder(gamma, file).doesNotContain(beta);

        assertThat(RepositoryKeys.remove(store, keyFile(), gamma)).isEqualTo(gamma);
        assertThatThrownBy(() -> RepositoryKeys.remove(store, keyFile(), file)).hasMessageContaining("opened the repository with");
        assertThat(RepositoryKeys.list(store, keyFile())).hasSize(1);
    }

    @Test
    void badIdsWrongSecretsAndUnencryptedRepositoriesAreNamed() throws IOException {
        assertThatThrownBy(() -> RepositoryKeys.list(store, pw("nope"))).hasMessageContaining("wrong password");
        assertThatThrownBy(() -> RepositoryKeys.list(store, null)).hasMessageContaining("is encrypted");
        assertThatThrownBy(() -> RepositoryKeys.remove(store, pw("alpha"), "zz")).hasMessageContaining("'zz'");
        assertThatThrownBy(() -> RepositoryKeys.remove(store, pw("alpha"), "0000000")).hasMessageContaining("no key 0000000");
        ObjectStore plain = LocalObjectStore.open(tmp.resolve("plain"));
        Repository.init(plain, InitOptions.defaults(), null).close();
        assertThatThrownBy(() -> RepositoryKeys.add(plain, null, pw("x"))).hasMessageContaining("not encrypted");
        assertThat(RepositoryKeys.list(store, pw("alpha"))).hasSize(1);
    }

    @Test
    void aChangeThatCannotRemoveTheOldSlotLeavesBothSecretsWorking() throws IOException {
        ObjectStore failingDelete = new ForwardingObjectStore(store) {
            @Override
            public void delete(String key) throws IOException {
                throw new IOException("injected: delete of " + key + " failed");
            }
        };
        assertThatThrownBy(() -> RepositoryKeys.change(failingDelete, pw("alpha"), pw("beta"))).hasMessageContaining("injected");
        opensWith(pw("alpha"));
        opensWith(pw("beta"));
    }

    @Test
    void aNewSlotThatDoesNotReadBackAsWrittenFailsTheChangeAndRemovesNothing() throws IOException {
        ObjectStore flipsKeys = new ForwardingObjectStore(store) {
            @Override
            public void put(String key, ByteBuffer data) throws IOException {
                if (key.startsWith("keys/")) {
                    byte[] b = new byte[data.remaining()];
                    data.get(b);
                    b[b.length - 20] ^= 0x10; // inside the wrapped key
                    data = ByteBuffer.wrap(b);
                }
                super.put(key, data);
            }
        };
        assertThatThrownBy(() -> RepositoryKeys.change(flipsKeys, pw("alpha"), pw("beta"))).isInstanceOf(RepositoryException.class)
                .hasMessageContaining("did not read back");
        opensWith(pw("alpha"));
        refuses(pw("beta"));
        assertThat(store.list("keys/")).as("the damaged new slot is removed again").hasSize(1);
    }

    @Test
    void aDamagedKeyObjectOpensNothingButLocksNoOneOut() throws IOException {
        String good = store.list("keys/").get(0).key();
        byte[] b = store.get(good);
        b[b.length / 2] ^= 1;
        store.put("keys/" + "f".repeat(64), ByteBuffer.wrap(b));
        opensWith(pw("alpha"));
        assertThatThrownBy(() -> Repository.open(store, pw("nope"))).hasMessageContaining("damaged key objects").hasMessageContaining("ffffffff");
        List<RepositoryKeys.Slot> slots = RepositoryKeys.list(store, pw("alpha"));
        assertThat(slots).extracting(RepositoryKeys.Slot::type).containsExactlyInAnyOrder("password", RepositoryKeys.DAMAGED);
        assertThat(RepositoryKeys.remove(store, pw("alpha"), "ffff")).isEqualTo("f".repeat(64));
        assertThat(RepositoryKeys.list(store, pw("alpha"))).hasSize(1);
    }
}
