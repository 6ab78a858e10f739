package io.coffer.server.cinder;

/**
 * What the facade knows of one request: the URL it came to ({@code base}: scheme and host), the
 * project it acts in (the URL's, or the token's for the project-less URLs of 3.67), who sent it,
 * whether they are an admin (noauth callers are, as in Cinder; Keystone users with the admin
 * role), and the version asked for.
 */
record Request(String base, String project, String user, boolean admin, Microversion version) {
    /** A resource's project is recorded under this key of its labels or metadata. */
    static final String PROJECT = "cinder.project_id";

    /** True when this caller may see a resource whose labels or metadata are {@code tags}: an admin, or its project's member. */
    boolean sees(java.util.Map<String, String> tags) {
        return admin || project.equals(tags.get(PROJECT));
    }

    /**
     * True when a list shows a resource whose labels or metadata are {@code tags}: its project's,
     * and for an admin also those made outside this API and, with {@code all_tenants}, every one
     * (a member asking for all tenants sees its own, as in Cinder).
     */
    boolean lists(java.util.Map<String, String> tags, boolean allTenants) {
        String p = tags.get(PROJECT);
        return project.equals(p) || admin && (p == null || allTenants);
    }

    /** Query parameters of a list that are not filters. */
    private static final java.util.Set<String> NOT_FILTERS = java.util.Set.of("sort", "sort_key", "sort_dir", "limit", "marker", "offset", "with_count",
            "all_tenants", "is_public");

    /**
     * Cinder's check of a list's filters from 3.31: a member's filter that the resource does not
     * take ({@code resource_filters.json}) is a 400 naming it; an admin's pass (and match nothing
     * they cannot), as in Cinder. Before 3.31 unknown filters are ignored.
     */
    void rejectInvalidFilters(java.util.Set<String> queryKeys, java.util.Set<String> allowed) {
        if (admin || !version.atLeast(31)) return;
        java.util.List<String> invalid = queryKeys.stream().filter(k -> !NOT_FILTERS.contains(k) && !allowed.contains(k)).sorted().toList();
        if (!invalid.isEmpty()) throw CinderFault.badRequest("Invalid filters " + String.join(", ", invalid) + " are provided.");
    }

    /** Cinder's reading of {@code all_tenants}: any true-looking value. */
    static boolean allTenants(String value) {
        return value != null && java.util.Set.of("1", "true", "yes", "y", "on", "t").contains(value.strip().toLowerCase(java.util.Locale.ROOT));
    }

    /** {@code m} (the user's labels or metadata) with this caller's project recorded in it. */
    java.util.Map<String, String> tagged(java.util.Map<String, String> m) {
        java.util.Map<String, String> out = keepProject(m, java.util.Map.of());
        out.put(PROJECT, project);
        return out;
    }

    /** New labels or metadata from the user, with the project {@code old} records kept; the key itself is refused. */
    static java.util.Map<String, String> keepProject(java.util.Map<String, String> m, java.util.Map<String, String> old) {
        if (m.containsKey(PROJECT)) throw CinderFault.badRequest("Invalid input received: metadata key " + PROJECT + " is reserved");
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>(m);
        if (old.containsKey(PROJECT)) out.put(PROJECT, old.get(PROJECT));
        return out;
    }

    /** The project a resource belongs to: the one recorded, else (made outside this API) the caller's. */
    String projectOf(java.util.Map<String, String> tags) {
        return tags.getOrDefault(PROJECT, project);
    }
}
