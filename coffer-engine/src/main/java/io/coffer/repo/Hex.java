package io.coffer.repo;

import java.util.HexFormat;

/** Lower-case hex encoding. */
public final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {}

    public static String of(byte[] b) {
        return HEX.formatHex(b);
    }

    public static byte[] parse(String s) {
        return HEX.parseHex(s);
    }

    public static boolean isHex(String s) {
        if (s.isEmpty()) return false;
        int bad = 0;
        for (int i = 0; i < s.length(); i++) bad |= nibble(s.charAt(i));
        return bad >= 0;
    }

    private static final byte[] NIBBLES = new byte[128];
    private static final byte[] DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    static {
        java.util.Arrays.fill(NIBBLES, (byte) -1);
        for (int i = 0; i < 16; i++) NIBBLES[DIGITS[i]] = (byte) i;
    }

    /** The value of a lower-case hex digit, or -1. */
    static int nibble(char c) {
        return c < 128 ? NIBBLES[c] : -1;
    }

    /** Writes the 16 hex digits of {@code w} at {@code out[off]}. */
    static void put(byte[] out, int off, long w) {
        for (int i = off + 15; i >= off; i--) {
            out[i] = DIGITS[(int) w & 15];
            w >>>= 4;
        }
    }
}
