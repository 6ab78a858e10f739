package io.coffer.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logging set up in code, not from an XML file: logs go to stderr, one line per event (stdout
 * stays for command output), at {@code COFFER_LOG_LEVEL} (default INFO), with Jetty, Javalin and
 * Flyway at WARN. Reading a {@code logback.xml} loaded some 760 classes of logback's XML
 * configurator, 0.2 s of every command that talks to S3 (the SDK logs through SLF4J). A file
 * named by {@code -Dlogback.configurationFile} still replaces this.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(System.getenv("COFFER_LOG_LEVEL")));
        root.addAppender(stderr);
        for (String quiet : new String[] {"org.eclipse.jetty", "io.javalin", "org.flywaydb"}) context.getLogger(quiet).setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The level named by {@code v} (case-insensitive), INFO when it is unset or names none. */
    static Level level(String v) {
        return v == null || v.isBlank() ? Level.INFO : Level.toLevel(v.trim(), Level.INFO);
    }
}
