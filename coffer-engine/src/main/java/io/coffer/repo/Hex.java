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
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }
}
