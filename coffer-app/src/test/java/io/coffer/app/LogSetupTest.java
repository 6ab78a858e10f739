package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class LogSetupTest {
    @Test
    void logbackFindsTheConfiguratorAndLogsGoToStderrAtInfoWithTheServersLibrariesAtWarn() {
        assertThat(ServiceLoader.load(Configurator.class).stream().map(p -> p.type().getName()).toList()).contains(LogSetup.class.getName());
        LoggerContext context = new LoggerContext();
        assertThat(new LogSetup().configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(LogSetup.level(System.getenv("COFFER_LOG_LEVEL")));
        ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
        assertThat(stderr.isStarted()).isTrue();
        assertThat(stderr.getTarget()).isEqualTo("System.err");
        for (String name : new String[] {"org.eclipse.jetty", "io.javalin", "org.flywaydb"}) {
            assertThat(context.getLogger(name).getEffectiveLevel()).as(name).isEqualTo(Level.WARN);
        }
        assertThat(context.getLogger("io.coffer.service.JobRunner").getEffectiveLevel()).isEqualTo(root.getLevel());
    }

    @Test
    void theLevelComesFromCofferLogLevelAndAnUnknownNameMeansInfo() {
        assertThat(LogSetup.level(null)).isEqualTo(Level.INFO);
        assertThat(LogSetup.level(" ")).isEqualTo(Level.INFO);
        assertThat(LogSetup.level("debug")).isEqualTo(Level.DEBUG);
        assertThat(LogSetup.level("WARN")).isEqualTo(Level.WARN);
        assertThat(LogSetup.level("loud")).isEqualTo(Level.INFO);
    }

    @Test
    void aConfigurationFileNamedOnTheCommandLineStillWins() {
        String old = System.setProperty("logback.configurationFile", "/etc/coffer/logback.xml");
        try {
            LoggerContext context = new LoggerContext();
            assertThat(new LogSetup().configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNull();
        } finally {
            if (old == null) System.clearProperty("logback.configurationFile");
            else System.setProperty("logback.configurationFile", old);
        }
    }
}
