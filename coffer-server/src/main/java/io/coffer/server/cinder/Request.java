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

    /** The project a resource belongs to: the one recorded, else (made outside this API) the caller's. */
    String projectOf(java.util.Map<String, String> tags) {
        return tags.getOrDefault(PROJECT, project);
    }
}
