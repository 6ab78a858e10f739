package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupResult;
import io.coffer.backup.BackupRunner;
import io.coffer.check.CheckResult;
import io.coffer.check.Checker;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.LocalObjectStore;
import io.coffer.store.ObjectInfo;
import io.coffer.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index that names a group inconsistently (one block says the group is longer than its
 * neighbours say) is damage: restore and check name it, they never crash or write wrong bytes.
 */
class DamagedGroupIndexTest {
    @TempDir
    Path tmp;

    @Test
    void aBlockThatNamesTheWrongGroupLengthFailsItsFileAndCheckNamesIt() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/base/5"));
        Files.write(src.resolve("16384"), Fixtures.text(1, 64 * 8192));
        Files.write(src.resolve("16385"), Fixtures.text(2, 64 * 8192));
        Path dir = tmp.resolve("repo");
        Repository repo = Repository.init(LocalObjectStore.open(dir), InitOptions.defaults(), null);
        BackupResult b = new BackupRunner(repo, BackupOptions.defaults()).run(tmp.resolve("src"));

        // rewrite the index: the second block of the first group claims a group 8 KiB longer
        boolean changed = false;
        for (ObjectInfo o : repo.store().list("index/")) {
            List<PackInfo> packs = repo.readIndexObject(o.key());
            List<PackInfo> out = new ArrayList<>();
            for (PackInfo p : packs) {
                List<Pack.Entry> es = new ArrayList<>(p.blobs());
                for (int i = 1; i < es.size() && !changed; i++) {
                    Pack.Entry e = es.get(i);
                    if (e.grouped() && es.get(i - 1).grouped() && es.get(i - 1).offset() == e.offset()) {
                        es.set(i, new Pack.Entry(e.type(), e.id(), e.offset(), e.storedLength(), e.rawLength(), e.groupLength() + 8192, e.groupOffset()));
                        changed = true;
                    }
                }
                out.add(new PackInfo(p.id(), p.type(), p.size(), es));
            }
            repo.store().delete(o.key());
            int version = IndexCodec.versionFor(out);
            byte[] obj = Envelope.seal(Envelope.Kind.INDEX, version, IndexCodec.encode(out, version), true, null);
            repo.store().put("index/" + Hex.of(Crypto.sha256(obj, 0, obj.length)), ByteBuffer.wrap(obj));
        }
        assertThat(changed).isTrue();

        Repository reopened = Repository.open(LocalObjectStore.open(dir), null);
        RestoreResult r = new RestoreRunner(reopened, RestoreOptions.defaults()).run(b.id(), tmp.resolve("out"));
        assertThat(r.errors()).hasSize(1).first().asString().contains("base/5/1638").contains("group");
        // the other file comes back whole
        long whole = java.util.stream.Stream.of("16384", "16385").filter(f -> Files.exists(tmp.resolve("out/base/5/" + f))).count();
        assertThat(whole).isEqualTo(1);

        CheckResult c = new Checker(reopened).run(true);
        assertThat(c.ok()).isFalse();
        assertThat(c.findings()).anySatisfy(f -> assertThat(f.message()).contains("trailer does not match the index"));
        assertThat(c.findings()).anySatisfy(f -> assertThat(f.message()).contains("group"));
    }
}
