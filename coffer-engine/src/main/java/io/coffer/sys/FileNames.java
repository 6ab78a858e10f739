package io.coffer.sys;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * File names as the kernel keeps them: bytes, which need not be UTF-8. The JDK decodes a name
 * that is not valid UTF-8 with U+FFFD in place of the bytes it cannot decode, and such a string
 * names no file (two names may even decode alike), so that backups used to skip those files.
 *
 * <p>Coffer holds every name as a string that maps one to one to its bytes ("surrogateescape", as
 * Python's PEP 383 does): a valid UTF-8 name is its ordinary string, and in one that is not, each
 * byte that is not part of a valid UTF-8 sequence (0x80 to 0xFF) is the lone surrogate U+DC00 + the
 * byte, U+DC80 to U+DCFF. A decoder of valid UTF-8 never yields a lone surrogate, so the two
 * kinds cannot meet. Such strings become paths through {@link #resolve}, and bytes through {@link
 * #encode}; {@link #display} writes them for people.
 *
 * <p>The bytes of a listed name come from the JDK's own {@code Path.toUri()}, which escapes every
 * byte exactly, and a path is made from them through {@code Path.of(URI)}, which takes them back:
 * both public API, and neither on the way of a name that is valid UTF-8.
 */
public final class FileNames {
    private static final char REPLACEMENT = '\uFFFD';
    /**
     * Whether the JDK turns names into bytes as UTF-8 ({@code sun.jnu.encoding}, from the locale:
     * ASCII when none is set, as under cron or a bare systemd unit). When it does not, a name that
     * is not ASCII cannot become a path through {@code Path.of(String)}, and takes the URI's way.
     */
    private static final boolean JDK_UTF8 = "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding", "UTF-8"));

    private FileNames() {}

    /** True when {@code name} holds bytes that are not UTF-8 (as lone surrogates U+DC80-U+DCFF). */
    public static boolean escaped(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (isEscape(name, i)) return true;
        }
        return false;
    }

    /** True when {@code s.charAt(i)} is an escaped byte: a low surrogate in U+DC80-U+DCFF not after a high one. */
    private static boolean isEscape(String s, int i) {
        char c = s.charAt(i);
        return c >= 0xDC80 && c <= 0xDCFF && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
    }

    /** The name of a listed path ({@code entry}, from a directory stream or the like) with its exact bytes. */
    public static String name(Path entry) {
        Path file = entry.getFileName();
        String s = file.toString();
        if (s.indexOf(REPLACEMENT) < 0) return s;
        byte[] all = bytes(entry);
        int slash = all.length - 1;
        while (slash >= 0 && all[slash] != '/') slash--;
        byte[] b = new byte[all.length - slash - 1];
        System.arraycopy(all, slash + 1, b, 0, b.length);
        return decode(b);
    }

    /** The exact bytes of a path (made absolute when the JDK had to be asked for them). */
    public static byte[] bytes(Path p) {
        String s = p.toString();
        if (s.indexOf(REPLACEMENT) < 0) return s.getBytes(StandardCharsets.UTF_8);
        String raw = p.toAbsolutePath().toUri().getRawPath();
        // toUri() ends a directory's path with '/'; a path of more than "/" never ends so
        if (raw.length() > 1 && raw.endsWith("/")) raw = raw.substring(0, raw.length() - 1);
        return unpercent(raw);
    }

    /** {@code dir}'s entry {@code name}, exact bytes and all. */
    public static Path resolve(Path dir, String name) {
        if (jdkTakes(name)) return dir.resolve(name);
        String base = dir.toAbsolutePath().toUri().getRawPath();
        if (!base.endsWith("/")) base += "/";
        return Path.of(URI.create("file://" + base + percent(encode(name))));
    }

    /** True when {@code Path.of(s)} holds {@code s}'s bytes: it is UTF-8, and the JDK's names are UTF-8 or it is ASCII. */
    public static boolean jdkTakes(String s) {
        return !escaped(s) && (JDK_UTF8 || ascii(s));
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    /** The bytes a name stands for. */
    public static byte[] encode(String name) {
        if (!escaped(name)) return name.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[name.length() * 3];
        int n = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (isEscape(name, i)) {
                out[n++] = (byte) (c - 0xDC00);
            } else {
                int cp = name.codePointAt(i);
                if (cp > 0xFFFF) i++;
                byte[] u = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(u, 0, out, n, u.length);
                n += u.length;
            }
        }
        byte[] b = new byte[n];
        System.arraycopy(out, 0, b, 0, n);
        return b;
    }

    /** The name that {@code b} are the bytes of: their UTF-8 text, undecodable bytes escaped. */
    public static String decode(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            int len = sequence(b, i);
            if (len == 0) {
                sb.append((char) (0xDC00 + (b[i] & 0xff)));
                i++;
            } else {
                sb.append(new String(b, i, len, StandardCharsets.UTF_8));
                i += len;
            }
        }
        return sb.toString();
    }

    /** A name for people: each escaped byte as {@code \xHH}. */
    public static String display(String name) {
        if (!escaped(name)) return name;
        StringBuilder sb = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (isEscape(name, i)) {
                sb.append("\\x").append(Character.forDigit((c >> 4) & 0xf, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * A name or relative path as a path for patterns and checks of its shape ('/', '.', '..'), not for
     * the file system: as {@link #display} shows it, and where the JDK cannot take that (no UTF-8
     * locale), with '?' for what is not ASCII.
     */
    public static Path logical(String path) {
        String shown = display(path);
        if (JDK_UTF8 || ascii(shown)) return Path.of(shown);
        StringBuilder sb = new StringBuilder(shown.length());
        for (int i = 0; i < shown.length(); i++) sb.append(shown.charAt(i) < 0x80 ? shown.charAt(i) : '?');
        return Path.of(sb.toString());
    }

    /** The length of the valid UTF-8 sequence at {@code b[i]}, or 0 when there is none (RFC 3629). */
    static int sequence(byte[] b, int i) {
        int c = b[i] & 0xff;
        if (c < 0x80) return 1;
        int len;
        int lo = 0x80, hi = 0xbf; // the range of the second byte
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0) lo = 0xa0; // no overlong forms
            if (c == 0xed) hi = 0x9f; // no surrogates
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f; // nothing above U+10FFFF
        } else {
            return 0;
        }
        if (i + len > b.length) return 0;
        int second = b[i + 1] & 0xff;
        if (second < lo || second > hi) return 0;
        for (int k = 2; k < len; k++) {
            int cont = b[i + k] & 0xff;
            if (cont < 0x80 || cont > 0xbf) return 0;
        }
        return len;
    }

    private static String percent(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 3);
        for (byte x : b) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static byte[] unpercent(String raw) {
        byte[] out = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                out[n++] = (byte) Integer.parseInt(raw, i + 1, i + 3, 16);
                i += 2;
            } else {
                out[n++] = (byte) c; // the JDK's URIs quote every byte that is not ASCII
            }
        }
        byte[] b = new byte[n];
        System.arraycopy(out, 0, b, 0, n);
        return b;
    }
}
