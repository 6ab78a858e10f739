package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/prometheus/coffer-alerts.yml is valid for Prometheus ({@code promtool check rules}) and
 * each alert fires on the series that should raise it and on no others ({@code promtool test
 * rules} with coffer-alerts.test.yml); a rule broken on purpose is refused. promtool is Debian's
 * (package prometheus, which scripts/test installs without starting it).
 */
class PrometheusRulesIT {
    static final Path DIR = Path.of(System.getProperty("coffer.root"), "deploy", "prometheus");

    @TempDir
    Path tmp;

    record Result(int code, String out) {}

    static Result promtool(Path dir, String... args) throws Exception {
        var cmd = new java.util.ArrayList<String>();
        cmd.add("promtool");
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return new Result(p.exitValue(), out);
    }

    @Test
    void theAlertRulesAreValidAndFireWhenTheyShould() throws Exception {
        Result check = promtool(DIR, "check", "rules", "coffer-alerts.yml");
        assertThat(check.code()).as(check.out()).isZero();
        assertThat(check.out()).contains("SUCCESS: 9 rules found");
        Result test = promtool(DIR, "test", "rules", "coffer-alerts.test.yml", "coffer-alerts-long.test.yml");
        assertThat(test.code()).as(test.out()).isZero();

        // an alert that would stay quiet when it should fire is caught by the rule tests
        String rules = Files.readString(DIR.resolve("coffer-alerts.yml"));
        Files.writeString(tmp.resolve("coffer-alerts.yml"), rules.replace("coffer_data_dir_free_bytes / coffer_data_dir_size_bytes < 0.10",
                "coffer_data_dir_free_bytes / coffer_data_dir_size_bytes < 0.01"));
        Files.copy(DIR.resolve("coffer-alerts.test.yml"), tmp.resolve("coffer-alerts.test.yml"));
        Result broken = promtool(tmp, "test", "rules", "coffer-alerts.test.yml");
        assertThat(broken.code()).as(broken.out()).isNotZero();
        assertThat(broken.out()).contains("CofferDataDiskNearlyFull");
    }
}
