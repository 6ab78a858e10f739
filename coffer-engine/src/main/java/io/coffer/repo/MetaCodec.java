package io.coffer.repo;

import static io.coffer.repo.JsonStream.array;
import static io.coffer.repo.JsonStream.bool;
import static io.coffer.repo.JsonStream.expect;
import static io.coffer.repo.JsonStream.intOr0;
import static io.coffer.repo.JsonStream.longOr0;
import static io.coffer.repo.JsonStream.string;
import static io.coffer.repo.JsonStream.strings;
import static io.coffer.repo.JsonStream.text;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON of the small repository objects: {@code config}, key slots, locks and manifests.
 * Written with Jackson's streaming API in the bytes that data binding ({@link Json}) wrote for
 * them (record components in declaration order, nulls left out, map keys sorted), and read as it
 * read them (fields in any order, unknown fields skipped, a missing number 0). Every command reads
 * the config and a key slot first, and data binding's reflective set-up for them took 0.13 s of
 * each start; MetaCodecTest holds these bytes to what {@link Json} writes.
 */
final class MetaCodec {
    private MetaCodec() {}

    // ---- config -------------------------------------------------------------------------------

    static byte[] writeConfig(RepoConfig c) {
        return JsonStream.write("the repository config", 768, g -> {
            g.writeStartObject();
            g.writeNumberField("version", c.version());
            string(g, "id", c.id());
            string(g, "created", c.created());
            strings(g, "requiredFeatures", c.requiredFeatures());
            string(g, "hash", c.hash());
            if (c.compression() != null) {
                g.writeObjectFieldStart("compression");
                string(g, "algorithm", c.compression().algorithm());
                g.writeNumberField("level", c.compression().level());
                g.writeEndObject();
            }
            if (c.cdc() != null) {
                g.writeObjectFieldStart("cdc");
                g.writeNumberField("min", c.cdc().min());
                g.writeNumberField("avg", c.cdc().avg());
                g.writeNumberField("max", c.cdc().max());
                string(g, "gearSeed", c.cdc().gearSeed());
                g.writeEndObject();
            }
            if (c.fixed() != null) {
                g.writeObjectFieldStart("fixed");
                g.writeNumberField("databaseBlock", c.fixed().databaseBlock());
                g.writeNumberField("imageBlock", c.fixed().imageBlock());
                strings(g, "databaseGlobs", c.fixed().databaseGlobs());
                g.writeEndObject();
            }
            g.writeNumberField("packSize", c.packSize());
            g.writeNumberField("treePackSize", c.treePackSize());
            if (c.encryption() != null) {
                g.writeObjectFieldStart("encryption");
                string(g, "cipher", c.encryption().cipher());
                string(g, "idHash", c.encryption().idHash());
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    static RepoConfig readConfig(String where, byte[] bytes) {
        return JsonStream.read(where, "RepoConfig", bytes, MetaCodec::config);
    }

    private static RepoConfig config(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        int version = 0;
        String id = null, created = null, hash = null;
        List<String> features = null;
        RepoConfig.Compression compression = null;
        RepoConfig.Cdc cdc = null;
        RepoConfig.Fixed fixed = null;
        RepoConfig.Encryption encryption = null;
        long packSize = 0, treePackSize = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "version" -> version = intOr0(p, t);
                case "id" -> id = text(p, t);
                case "created" -> created = text(p, t);
                case "requiredFeatures" -> features = array(p, t, JsonStream::text);
                case "hash" -> hash = text(p, t);
                case "compression" -> compression = nullOr(p, t, MetaCodec::compression);
                case "cdc" -> cdc = nullOr(p, t, MetaCodec::cdc);
                case "fixed" -> fixed = nullOr(p, t, MetaCodec::fixed);
                case "packSize" -> packSize = longOr0(p, t);
                case "treePackSize" -> treePackSize = longOr0(p, t);
                case "encryption" -> encryption = nullOr(p, t, MetaCodec::encryption);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        if (features == null) throw new IOException("no requiredFeatures");
        return new RepoConfig(version, id, created, features, hash, compression, cdc, fixed, packSize, treePackSize, encryption);
    }

    private static RepoConfig.Compression compression(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        String algorithm = null;
        int level = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "algorithm" -> algorithm = text(p, t);
                case "level" -> level = intOr0(p, t);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        if (algorithm == null) throw new IOException("compression without an algorithm");
        return new RepoConfig.Compression(algorithm, level);
    }

    private static RepoConfig.Cdc cdc(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        int min = 0, avg = 0, max = 0;
        String gearSeed = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "min" -> min = intOr0(p, t);
                case "avg" -> avg = intOr0(p, t);
                case "max" -> max = intOr0(p, t);
                case "gearSeed" -> gearSeed = text(p, t);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        return new RepoConfig.Cdc(min, avg, max, gearSeed);
    }

    private static RepoConfig.Fixed fixed(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        int databaseBlock = 0, imageBlock = 0;
        List<String> globs = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "databaseBlock" -> databaseBlock = intOr0(p, t);
                case "imageBlock" -> imageBlock = intOr0(p, t);
                case "databaseGlobs" -> globs = array(p, t, JsonStream::text);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        if (globs == null) throw new IOException("fixed blocks without databaseGlobs");
        return new RepoConfig.Fixed(databaseBlock, imageBlock, globs);
    }

    private static RepoConfig.Encryption encryption(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        String cipher = null, idHash = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "cipher" -> cipher = text(p, t);
                case "idHash" -> idHash = text(p, t);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        return new RepoConfig.Encryption(cipher, idHash);
    }

    // ---- key slots ----------------------------------------------------------------------------

    static byte[] writeKeySlot(KeySlot k) {
        return JsonStream.write("a key slot", 256, g -> {
            g.writeStartObject();
            string(g, "type", k.type());
            string(g, "kdf", k.kdf());
            g.writeNumberField("iterations", k.iterations());
            string(g, "salt", k.salt());
            string(g, "wrapped", k.wrapped());
            string(g, "created", k.created());
            g.writeEndObject();
        });
    }

    static KeySlot readKeySlot(String where, byte[] bytes) {
        return JsonStream.read(where, "KeySlot", bytes, (p, start) -> {
            expect(start, JsonToken.START_OBJECT);
            String type = null, kdf = null, salt = null, wrapped = null, created = null;
            int iterations = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                switch (f) {
                    case "type" -> type = text(p, t);
                    case "kdf" -> kdf = text(p, t);
                    case "iterations" -> iterations = intOr0(p, t);
                    case "salt" -> salt = text(p, t);
                    case "wrapped" -> wrapped = text(p, t);
                    case "created" -> created = text(p, t);
                    default -> p.skipChildren();
                }
            }
            expect(p.currentToken(), JsonToken.END_OBJECT);
            return new KeySlot(type, kdf, iterations, salt, wrapped, created);
        });
    }

    // ---- locks --------------------------------------------------------------------------------

    static byte[] writeLock(RepoLock.Info i) {
        return JsonStream.write("a lock", 192, g -> {
            g.writeStartObject();
            string(g, "host", i.host());
            g.writeNumberField("pid", i.pid());
            string(g, "time", i.time());
            g.writeBooleanField("exclusive", i.exclusive());
            string(g, "purpose", i.purpose());
            g.writeEndObject();
        });
    }

    static RepoLock.Info readLock(String where, byte[] bytes) {
        return JsonStream.read(where, "Info", bytes, (p, start) -> {
            expect(start, JsonToken.START_OBJECT);
            String host = null, time = null, purpose = null;
            long pid = 0;
            boolean exclusive = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                switch (f) {
                    case "host" -> host = text(p, t);
                    case "pid" -> pid = longOr0(p, t);
                    case "time" -> time = text(p, t);
                    case "exclusive" -> exclusive = bool(p, t);
                    case "purpose" -> purpose = text(p, t);
                    default -> p.skipChildren();
                }
            }
            expect(p.currentToken(), JsonToken.END_OBJECT);
            return new RepoLock.Info(host, pid, time, exclusive, purpose);
        });
    }

    // ---- manifests ----------------------------------------------------------------------------

    static byte[] writeManifest(Manifest m) {
        return JsonStream.write("a manifest", 1024, g -> {
            g.writeStartObject();
            g.writeNumberField("v", m.v());
            string(g, "time", m.time());
            string(g, "host", m.host());
            string(g, "source", m.source());
            string(g, "kind", m.kind());
            string(g, "parent", m.parent());
            string(g, "tree", m.tree());
            if (m.root() != null) {
                g.writeFieldName("root");
                TreeCodec.writeNode(g, m.root());
            }
            g.writeObjectFieldStart("tags");
            for (Map.Entry<String, String> e : new TreeMap<>(m.tags()).entrySet()) string(g, e.getKey(), e.getValue());
            g.writeEndObject();
            strings(g, "excludes", m.excludes());
            if (m.oneFileSystem() != null) g.writeBooleanField("oneFileSystem", m.oneFileSystem());
            if (m.xattrs() != null) g.writeBooleanField("xattrs", m.xattrs());
            Manifest.Stats s = m.stats();
            if (s != null) {
                g.writeObjectFieldStart("stats");
                g.writeNumberField("files", s.files());
                g.writeNumberField("dirs", s.dirs());
                g.writeNumberField("others", s.others());
                g.writeNumberField("logicalBytes", s.logicalBytes());
                g.writeNumberField("bytesRead", s.bytesRead());
                g.writeNumberField("filesUnchanged", s.filesUnchanged());
                g.writeNumberField("newBlobs", s.newBlobs());
                g.writeNumberField("newRawBytes", s.newRawBytes());
                g.writeNumberField("newStoredBytes", s.newStoredBytes());
                g.writeNumberField("zeroBytes", s.zeroBytes());
                g.writeNumberField("durationMs", s.durationMs());
                g.writeNumberField("warnings", s.warnings());
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    static Manifest readManifest(String where, byte[] bytes) {
        return JsonStream.read(where, "Manifest", bytes, MetaCodec::manifest);
    }

    private static Manifest manifest(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        int v = 0;
        String time = null, host = null, source = null, kind = null, parent = null, tree = null;
        Node root = null;
        Map<String, String> tags = null;
        List<String> excludes = null;
        Boolean oneFileSystem = null, xattrs = null;
        Manifest.Stats stats = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "v" -> v = intOr0(p, t);
                case "time" -> time = text(p, t);
                case "host" -> host = text(p, t);
                case "source" -> source = text(p, t);
                case "kind" -> kind = text(p, t);
                case "parent" -> parent = text(p, t);
                case "tree" -> tree = text(p, t);
                case "root" -> root = nullOr(p, t, TreeCodec::node);
                case "tags" -> tags = nullOr(p, t, MetaCodec::tags);
                case "excludes" -> excludes = array(p, t, JsonStream::text);
                case "oneFileSystem" -> oneFileSystem = bool(p, t);
                case "xattrs" -> xattrs = bool(p, t);
                case "stats" -> stats = nullOr(p, t, MetaCodec::stats);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        return new Manifest(v, time, host, source, kind, parent, tree, root, tags, excludes, oneFileSystem, xattrs, stats);
    }

    private static Map<String, String> tags(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        Map<String, String> tags = new TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String value = text(p, p.nextToken());
            if (value != null) tags.put(name, value);
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        return tags;
    }

    private static Manifest.Stats stats(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        long[] n = new long[11];
        int warnings = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            int i = switch (f) {
                case "files" -> 0;
                case "dirs" -> 1;
                case "others" -> 2;
                case "logicalBytes" -> 3;
                case "bytesRead" -> 4;
                case "filesUnchanged" -> 5;
                case "newBlobs" -> 6;
                case "newRawBytes" -> 7;
                case "newStoredBytes" -> 8;
                case "zeroBytes" -> 9;
                case "durationMs" -> 10;
                default -> -1;
            };
            if (i >= 0) n[i] = longOr0(p, t);
            else if (f.equals("warnings")) warnings = intOr0(p, t);
            else p.skipChildren();
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        return new Manifest.Stats(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], n[10], warnings);
    }

    /** Null for a JSON null, else what {@code e} reads. */
    private static <T> T nullOr(JsonParser p, JsonToken t, JsonStream.Element<T> e) throws IOException {
        return t == JsonToken.VALUE_NULL ? null : e.read(p, t);
    }
}
