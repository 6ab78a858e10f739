package io.coffer.server.cinder;

/**
 * A Block Storage API microversion, 3.0 to {@link #MAX}, as negotiated through the
 * {@code OpenStack-API-Version: volume 3.N} header: none means 3.0, {@code latest} the maximum,
 * anything outside the range is 406 (as Cinder answers).
 */
record Microversion(int minor) implements Comparable<Microversion> {
    static final Microversion MIN = new Microversion(0);
    /** What the Debian cinder client (9.1.0) asks for by default; Cinder itself goes to 3.71. */
    static final Microversion MAX = new Microversion(70);
    static final String HEADER = "OpenStack-API-Version";

    /** The version a request asks for, from its header (null: none given). */
    static Microversion of(String header) {
        if (header == null || header.isBlank()) return MIN;
        String v = null;
        for (String part : header.split(",")) {
            String[] kv = part.trim().split("\\s+", 2);
            if (kv.length == 2 && kv[0].equalsIgnoreCase("volume")) v = kv[1].trim();
        }
        if (v == null) return MIN; // a header for another service
        if (v.equalsIgnoreCase("latest")) return MAX;
        String[] mm = v.split("\\.");
        int major, minor;
        try {
            if (mm.length != 2) throw new NumberFormatException();
            major = Integer.parseInt(mm[0]);
            minor = Integer.parseInt(mm[1]);
        } catch (NumberFormatException e) {
            throw new CinderFault(400, "API Version String " + v + " is of invalid format. Must be of format MajorNum.MinorNum.");
        }
        Microversion m = new Microversion(minor);
        if (major != 3 || minor < MIN.minor || minor > MAX.minor) {
            throw new CinderFault(406, "Version " + v + " is not supported by the API. Minimum is " + MIN + " and maximum is " + MAX + ".");
        }
        return m;
    }

    boolean atLeast(int min) {
        return minor >= min;
    }

    @Override
    public int compareTo(Microversion o) {
        return Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return "3." + minor;
    }
}
