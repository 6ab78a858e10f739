package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The streaming codec of config, key slots, locks and manifests writes exactly the bytes that data
 * binding wrote for them (so repositories written before and after read alike, and ids made of
 * those bytes stay what they were), reads them back whole, and reads what data binding read.
 */
class MetaCodecTest {
    static RepoConfig randomConfig(Random r) {
        List<String> features = new ArrayList<>(List.of("packs-v1", "fastcdc"));
        for (int i = r.nextInt(4); i > 0; i--) features.add(FormatProperties.text(r, 12));
        boolean encrypted = r.nextBoolean();
        List<String> globs = new ArrayList<>();
        for (int i = r.nextInt(5); i > 0; i--) globs.add(FormatProperties.text(r, 20));
        return new RepoConfig(RepoConfig.FORMAT_VERSION, FormatProperties.text(r, 32), FormatProperties.maybe(r, "2026-12-03T05:16:36.653611286Z"),
                features, encrypted ? "hmac-sha256" : "sha256",
                FormatProperties.maybe(r, new RepoConfig.Compression(r.nextBoolean() ? "zstd" : "none", r.nextInt(19))),
                FormatProperties.maybe(r, new RepoConfig.Cdc(1 << 18, 1 << 20, 1 << 22, FormatProperties.maybe(r, FormatProperties.text(r, 64)))),
                FormatProperties.maybe(r, new RepoConfig.Fixed(4096 * (1 + r.nextInt(16)), 65536, globs)),
                r.nextLong(), r.nextLong(), encrypted ? new RepoConfig.Encryption("aes-256-gcm", FormatProperties.maybe(r, "hmac-sha256")) : null);
    }

    static Manifest randomManifest(Random r) {
        Map<String, String> tags = new HashMap<>();
        for (int i = r.nextInt(6); i > 0; i--) tags.put(FormatProperties.text(r, 16), FormatProperties.text(r, 40));
        List<Node> nodes = FormatProperties.randomTree(r.nextLong()).nodes();
        Node root = nodes.isEmpty() ? null : nodes.get(0);
        Manifest.Stats stats = FormatProperties.maybe(r, new Manifest.Stats(r.nextLong(), r.nextInt(), r.nextInt(1000), r.nextLong(), r.nextLong(),
                r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), r.nextInt()));
        return new Manifest(Manifest.VERSION, FormatProperties.text(r, 30), FormatProperties.maybe(r, FormatProperties.text(r, 20)),
                FormatProperties.text(r, 60), r.nextBoolean() ? Manifest.DIR : Manifest.FILE, FormatProperties.maybe(r, FormatProperties.text(r, 64)),
                FormatProperties.text(r, 64), root, r.nextBoolean() ? tags : null,
                r.nextBoolean() ? List.of(FormatProperties.text(r, 12), "*.log", "/cache/") : null, r.nextBoolean() ? true : null, r.nextBoolean() ? true : null, stats);
    }

    @Property(tries = 200)
    void configsAreWrittenAsDataBindingWroteThemAndReadBack(@ForAll long seed) {
        RepoConfig c = randomConfig(new Random(seed));
        byte[] b = MetaCodec.writeConfig(c);
        assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo(new String(Json.write(c), StandardCharsets.UTF_8));
        assertThat(MetaCodec.readConfig("config", b)).isEqualTo(c);
    }

    @Property(tries = 200)
    void manifestsAreWrittenAsDataBindingWroteThemAndReadBack(@ForAll long seed) {
        Manifest m = randomManifest(new Random(seed));
        byte[] b = MetaCodec.writeManifest(m);
        assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo(new String(Json.write(m), StandardCharsets.UTF_8));
        assertThat(MetaCodec.readManifest("manifests/x", b)).isEqualTo(m);
        assertThat(Json.MAPPER.convertValue(Json.MAPPER.valueToTree(m), Manifest.class)).as("data binding reads the same").isEqualTo(m);
    }

    @Property(tries = 100)
    void keySlotsAndLocksAreWrittenAsDataBindingWroteThemAndReadBack(@ForAll long seed) {
        Random r = new Random(seed);
        KeySlot k = new KeySlot(r.nextBoolean() ? KeySlot.PASSWORD : KeySlot.KEYFILE, FormatProperties.maybe(r, "pbkdf2-hmac-sha256"), r.nextInt(),
                FormatProperties.text(r, 44), FormatProperties.text(r, 80), FormatProperties.maybe(r, FormatProperties.text(r, 30)));
        byte[] kb = MetaCodec.writeKeySlot(k);
        assertThat(kb).isEqualTo(Json.write(k));
        assertThat(MetaCodec.readKeySlot("keys/x", kb)).isEqualTo(k);
        RepoLock.Info i = new RepoLock.Info(FormatProperties.text(r, 20), r.nextLong(), FormatProperties.text(r, 30), r.nextBoolean(),
                FormatProperties.maybe(r, FormatProperties.text(r, 20)));
        byte[] ib = MetaCodec.writeLock(i);
        assertThat(ib).isEqualTo(Json.write(i));
        assertThat(MetaCodec.readLock("locks/x", ib)).isEqualTo(i);
    }

    @Example
    void readsFieldsInAnyOrderSkipsUnknownOnesAndTakesMissingNumbersAsZero() {
        String json = """
                {"future":{"a":[1,2,{"b":null}]},"tree":"t1","kind":"dir","v":1,"tags":{"volume":"db1","cinder:id":"x"},
                 "root":{"type":"dir","name":"src","mode":493,"extra":true},"source":"/data","time":"2026-12-03T00:00:00Z",
                 "stats":{"files":3,"warnings":1,"newThing":7}}""";
        Manifest m = MetaCodec.readManifest("manifests/m", json.getBytes(StandardCharsets.UTF_8));
        assertThat(m).isEqualTo(Json.MAPPER.convertValue(readTree(json), Manifest.class));
        assertThat(m.tags()).containsEntry("volume", "db1").containsEntry("cinder:id", "x");
        assertThat(m.root().mode()).isEqualTo(493);
        assertThat(m.stats().files()).isEqualTo(3);
        assertThat(m.stats().dirs()).isZero();
        assertThat(m.parent()).isNull();
    }

    @Example
    void damagedObjectsAreRefusedWithTheirKeyAndType() {
        assertThatThrownBy(() -> MetaCodec.readConfig("config", "{\"version\":1,".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("config").hasMessageContaining("RepoConfig");
        assertThatThrownBy(() -> MetaCodec.readManifest("manifests/abc", "{\"v\":1}{}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("manifests/abc").hasMessageContaining("trailing");
        assertThatThrownBy(() -> MetaCodec.readKeySlot("keys/k", "{\"iterations\":\"many\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("keys/k").hasMessageContaining("KeySlot");
        assertThatThrownBy(() -> MetaCodec.readLock("locks/l", "[]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("locks/l");
        // a value the record itself refuses (a chunker size out of range) is a damaged config too
        String bad = new String(MetaCodec.writeConfig(randomConfig(new Random(1))), StandardCharsets.UTF_8)
                .replaceFirst("\"requiredFeatures\"", "\"cdc\":{\"min\":1,\"avg\":3,\"max\":2},\"requiredFeatures\"");
        assertThatThrownBy(() -> MetaCodec.readConfig("config", bad.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("chunker sizes");
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
