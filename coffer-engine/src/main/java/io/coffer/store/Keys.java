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

    /** Checks a list prefix: empty, or a key prefix (may end in '/'). */
    public static String checkPrefix(String prefix) {
        if (prefix.isEmpty()) return prefix;
        String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (!p.isEmpty()) check(p);
        return prefix;
    }
}
