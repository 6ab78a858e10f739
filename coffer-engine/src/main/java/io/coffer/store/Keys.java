package io.coffer.store;

/** Validation of object keys, shared by every store. */
public final class Keys {
    private Keys() {}

    /** Returns the key if valid, else throws {@link IllegalArgumentException} naming it. */
    public static String check(String key) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("empty object key");
        if (key.startsWith("/") || key.endsWith("/")) throw new IllegalArgumentException("invalid object key '" + key + "'");
        for (String seg : key.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("invalid object key '" + key + "': bad segment '" + seg + "'");
            }
            for (int i = 0; i < seg.length(); i++) {
                char c = seg.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                if (!ok) throw new IllegalArgumentException("invalid object key '" + key + "': character '" + c + "' not allowed");
            }
        }
        return key;
    }

    /** Checks a range read of {@code key}: a valid key, no negative offset or length. */
    public static String checkRange(String key, long offset, int length) {
        check(key);
        if (offset < 0 || length < 0) throw new IllegalArgumentException("negative range " + offset + "+" + length + " of " + key);
        return key;
    }

    /** {@link #checkRange}, and that {@code length} bytes fit in {@code dst} from {@code dstOff}. */
    public static String checkRead(String key, long offset, byte[] dst, int dstOff, int length) {
        checkRange(key, offset, length);
        java.util.Objects.checkFromIndexSize(dstOff, length, dst.length);
        return key;
    }

    /** The HTTP {@code Range} header for {@code length > 0} bytes from {@code offset}. */
    public static String httpRange(long offset, int length) {
        return "bytes=" + offset + "-" + (offset + length - 1);
    }

    /** Checks a list prefix: empty, or a key prefix (may end in '/'). */
    public static String checkPrefix(String prefix) {
        if (prefix.isEmpty()) return prefix;
        String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (!p.isEmpty()) check(p);
        return prefix;
    }
}
