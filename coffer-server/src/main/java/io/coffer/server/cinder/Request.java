package io.coffer.server.cinder;

/**
 * What the facade knows of one request: the URL it came to ({@code base}: scheme and host), the
 * project in its URL (null for the project-less URLs of 3.67), who sent it and at which version.
 */
record Request(String base, String project, String user, Microversion version) {}
