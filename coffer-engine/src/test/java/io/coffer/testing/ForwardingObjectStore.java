package io.coffer.testing;

import io.coffer.store.ObjectInfo;
import io.coffer.store.ObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/** An object store that passes every call to another; tests override what they watch or delay. */
public class ForwardingObjectStore implements ObjectStore {
    protected final ObjectStore inner;

    public ForwardingObjectStore(ObjectStore inner) {
        this.inner = inner;
    }

    @Override
    public void put(String key, ByteBuffer data) throws IOException {
        inner.put(key, data);
    }

    @Override
    public byte[] get(String key) throws IOException {
        return inner.get(key);
    }

    @Override
    public byte[] get(String key, long offset, int length) throws IOException {
        return inner.get(key, offset, length);
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        return inner.stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return inner.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
        inner.delete(key);
    }

    @Override
    public String location() {
        return inner.location();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
