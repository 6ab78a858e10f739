package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The dashboard in a real headless Chromium (Debian's, through its chromedriver) against a real
 * server: it shows the volumes and backups, starts a backup and follows it to available, restores
 * it into a new volume (bit for bit), shows the server's refusal of a delete, deletes, pauses and
 * runs a schedule, draws the usage chart, works with the keyboard and at phone width, and asks for
 * the token of a server that needs one. Any console error fails it (the HTTP errors a step
 * provokes on purpose are the only ones allowed, in that step). Screenshots go to
 * {@code coffer-app/target/dashboard-screenshots/}.
 */
class DashboardIT {
    static final Set<String> ROOT = Set.of("");
    static final Path SHOTS = Path.of(System.getProperty("coffer.root", "."), "coffer-app", "target", "dashboard-screenshots");

    @TempDir
    Path tmp;
    ChromeDriver browser;

    @BeforeEach
    void openBrowser() throws Exception {
        for (String exe : List.of("/usr/bin/chromium", "/usr/bin/chromedriver")) {
            assertThat(new File(exe).canExecute()).as(exe + " is needed: apt-get install chromium chromium-driver (scripts/test installs them)").isTrue();
        }
        Files.createDirectories(SHOTS);
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(service, o);
        browser.manage().timeouts().scriptTimeout(java.time.Duration.ofSeconds(20));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) browser.quit();
    }

    @Test
    void aPersonSeesActsAndFollowsProgressInTheBrowser() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path notADirectory = Files.writeString(tmp.resolve("not-a-directory"), "x");
        Files.writeString(data.resolve("coffer.properties"), "repository.local=" + data.resolve("repository") + "\nrepository.broken=" + notADirectory + "/repo\n");
        try (ServerProcess server = new ServerProcess(data).start()) {
            Path app = volume(server, "appdata");
            Fixtures.richTree(app);
            byte[] noise = new byte[1 << 20];
            Random r = new Random(7);
            try (var out = Files.newOutputStream(app.resolve("pages.bin"))) {
                for (int i = 0; i < 160; i++) { // incompressible, so that the backup takes a moment to follow
                    r.nextBytes(noise);
                    out.write(noise);
                }
            }
            Map<String, String> digest = TreeDigest.of(app, ROOT);
            var first = server.cli("backup", "create", "appdata", "--name", "nightly-1", "--wait", "-q", "-o", "json");
            assertThat(first.code()).as(first.toString()).isZero();
            assertThat(server.cli("schedule", "create", "nightly", "--volume", "appdata", "--cron", "@daily", "--keep-daily", "7").code()).isZero();

            // the overview: nothing wrong, the counts, the disks; loaded fast
            long t0 = System.nanoTime();
            browser.get(server.url() + "/");
            await("the overview", () -> text(By.cssSelector("main h1")).equals("Overview"));
            long firstPaintMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            Files.writeString(SHOTS.resolve("timings.txt"), "overview drawn " + firstPaintMs + " ms after navigation started\n");
            assertThat(text(By.id("problems"))).contains("Nothing needs attention");
            assertThat(text(By.cssSelector(".tiles"))).contains("Volumes").contains("Available backups");
            assertThat(text(By.cssSelector("main"))).contains("data directory").contains("local");
            shot("overview");
            noConsoleErrors("overview");
            ((JavascriptExecutor) browser).executeScript("console.error('coffer-probe')");
            assertThat(consoleErrors()).as("the console check sees errors").anyMatch(m -> m.contains("coffer-probe"));

            // the page's files: from this server alone, under a strict policy; the API stays JSON for the Cinder clients
            var js = server.call("GET", "/ui/app.js", null);
            assertThat(js.status()).isEqualTo(200);
            for (String bad : List.of("since=yesterday", "days=x", "days=99999999999999")) {
                var refused = server.call("GET", "/api/v1/usage?" + bad, null);
                assertThat(refused.status()).as(bad + ": " + refused).isEqualTo(400);
                assertThat(refused.body().path("error").path("message").asText()).contains("ISO-8601");
            }
            var root = server.call("GET", "/", null, Map.of("Accept", "application/json"));
            assertThat(root.body().path("versions").isArray()).as("the Cinder version document: " + root).isTrue();

            // volumes, and a backup started from the page, followed to available
            click(By.cssSelector("#nav a[data-view=volumes]"));
            await("the volume list", () -> text(By.cssSelector("main")).contains("appdata"));
            assertThat(text(By.cssSelector("main table"))).contains("available");
            shot("volumes");
            click(By.cssSelector("button[aria-label='Back up appdata']"));
            await("the backup form", () -> browser.findElement(By.id("dialog")).isDisplayed());
            WebElement name = browser.findElement(By.cssSelector("#dialog input[name=name]"));
            name.clear();
            name.sendKeys("from-the-page");
            click(By.cssSelector("#dialog button[type=submit]"));
            await("the new backup's page", () -> browser.getCurrentUrl().contains("#/backups/"));
            String backupId = browser.getCurrentUrl().replaceAll(".*#/backups/", "");
            List<String> seen = new ArrayList<>();
            boolean[] sawProgress = {false};
            await("the backup to become available on the page", () -> {
                String status = text(By.cssSelector("main dl .badge"));
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(status)) seen.add(status);
                if (!browser.findElements(By.cssSelector("main [role=progressbar]")).isEmpty()) sawProgress[0] = true;
                return status.equals("available");
            });
            assertThat(seen).as("statuses the page showed").startsWith("creating").endsWith("available");
            assertThat(sawProgress[0]).as("a progress bar while it ran").isTrue();
            JsonNode made = server.get("/api/v1/backups/" + backupId).path("backup");
            assertThat(made.path("name").asText()).isEqualTo("from-the-page");
            assertThat(made.path("status").asText()).isEqualTo("available");
            assertThat(made.path("new_raw_bytes").isNumber()).as("bytes added before compression: " + made).isTrue();
            assertThat(text(By.cssSelector("main"))).contains("from-the-page").contains("Chain").contains("Logical bytes");
            shot("backup");
            noConsoleErrors("backup");

            // restore it into a new volume, from the page; the job page follows it
            click(By.xpath("//main//button[text()='Restore']"));
            await("the restore form", () -> browser.findElement(By.id("dialog")).isDisplayed());
            WebElement target = browser.findElement(By.cssSelector("#dialog input[name=name]"));
            target.clear();
            target.sendKeys("appdata-copy");
            click(By.cssSelector("#dialog button[type=submit]"));
            await("the jobs page", () -> browser.getCurrentUrl().endsWith("#/jobs"));
            JsonNode copy = server.await("/api/v1/volumes/appdata-copy", "volume", Set.of("available", "error"));
            assertThat(copy.path("status").asText()).isEqualTo("available");
            assertThat(TreeDigest.diff(digest, TreeDigest.of(Path.of(copy.path("path").asText()), ROOT))).as("restored bit for bit").isEmpty();
            await("the restore job to show as succeeded", () -> text(By.cssSelector("main table")).contains("restore") && text(By.cssSelector("main tbody tr")).contains("succeeded"));
            shot("jobs");
            noConsoleErrors("restore");

            // again, over the existing volume this time (its files go first)
            Files.writeString(Path.of(copy.path("path").asText()).resolve("stray"), "not in the backup");
            browser.get(server.url() + "/#/backups/" + backupId);
            await("the backup's page", () -> text(By.cssSelector("main h1")).equals("Backup from-the-page"));
            click(By.xpath("//main//button[text()='Restore']"));
            await("the restore form", () -> browser.findElement(By.id("dialog")).isDisplayed());
            click(By.xpath("//dialog//label[starts-with(text(), 'An existing volume')]"));
            click(By.xpath("//dialog//select[@name='volume']/option[starts-with(text(), 'appdata-copy ')]"));
            click(By.cssSelector("#dialog button[type=submit]"));
            await("the jobs page", () -> browser.getCurrentUrl().endsWith("#/jobs"));
            await("the second restore to finish", () -> server.get("/api/v1/jobs").path("jobs").findValuesAsText("status").stream().noneMatch(st -> st.equals("running") || st.equals("queued")));
            assertThat(server.get("/api/v1/volumes/appdata-copy").path("volume").path("status").asText()).isEqualTo("available");
            assertThat(TreeDigest.diff(digest, TreeDigest.of(Path.of(copy.path("path").asText()), ROOT))).as("restored over the volume, bit for bit").isEmpty();
            noConsoleErrors("restore over a volume");

            // a snapshot from the volume's page
            browser.get(server.url() + "/#/volumes/" + copy.path("id").asText());
            await("the volume's page", () -> text(By.cssSelector("main h1")).equals("Volume appdata-copy"));
            click(By.xpath("//main//button[text()='Snapshot']"));
            await("the snapshot form", () -> browser.findElement(By.id("dialog")).isDisplayed());
            click(By.cssSelector("#dialog button[type=submit]"));
            JsonNode snap = server.await("/api/v1/snapshots/" + awaitOne(server, "/api/v1/snapshots?volume_id=" + copy.path("id").asText()), "snapshot", Set.of("available", "error"));
            assertThat(snap.path("status").asText()).isEqualTo("available");
            await("the snapshot on the volume's page", () -> text(By.cssSelector("main")).contains(snap.path("name").asText()));
            shot("volume");
            noConsoleErrors("snapshot");

            // the server's rule, told by it and shown in the dialog: a backup with incrementals is not deleted alone
            var inc = server.cli("backup", "create", "appdata", "--incremental", "--name", "inc-1", "--wait", "-q", "-o", "json");
            assertThat(inc.code()).as(inc.toString()).isZero();
            String incId = ServerProcess.json(inc).path("id").asText();
            browser.get(server.url() + "/#/backups/" + backupId);
            await("the backup's page", () -> text(By.cssSelector("main h1")).equals("Backup from-the-page") && text(By.cssSelector("main")).contains("inc-1"));
            click(By.xpath("//main//button[text()='Delete']"));
            await("the confirmation", () -> browser.findElement(By.id("dialog")).isDisplayed() && text(By.id("dialog")).contains("cannot be undone"));
            click(By.cssSelector("#dialog button[type=submit]"));
            await("the server's refusal", () -> text(By.cssSelector("#dialog .form-error")).contains("incremental backups built on it; delete them first"));
            shot("delete-refused");
            click(By.xpath("//dialog//button[text()='Cancel']"));
            assertThat(server.get("/api/v1/backups/" + backupId).path("backup").path("status").asText()).isEqualTo("available");
            noConsoleErrors("delete refused", "status of 409");

            // the incremental goes, after confirmation
            browser.get(server.url() + "/#/backups/" + incId);
            await("the incremental's page", () -> text(By.cssSelector("main h1")).equals("Backup inc-1"));
            click(By.xpath("//main//button[text()='Delete']"));
            await("the confirmation", () -> browser.findElement(By.id("dialog")).isDisplayed());
            click(By.cssSelector("#dialog button[type=submit]"));
            await("the backup list", () -> browser.getCurrentUrl().endsWith("#/backups"));
            await("the incremental to go", () -> {
                var gone = server.call("GET", "/api/v1/backups/" + incId, null);
                return gone.status() == 404;
            });
            noConsoleErrors("delete");

            // schedules: pause, resume and run from the page
            click(By.cssSelector("#nav a[data-view=schedules]"));
            await("the schedule list", () -> text(By.cssSelector("main")).contains("nightly"));
            click(By.cssSelector("button[aria-label='Pause nightly']"));
            await("the schedule to show as paused", () -> !browser.findElements(By.cssSelector("button[aria-label='Resume nightly']")).isEmpty());
            assertThat(server.get("/api/v1/schedules/nightly").path("schedule").path("paused").asBoolean()).isTrue();
            click(By.cssSelector("button[aria-label='Resume nightly']"));
            await("the schedule to run again", () -> !browser.findElements(By.cssSelector("button[aria-label='Pause nightly']")).isEmpty());
            click(By.cssSelector("button[aria-label='Run nightly now']"));
            await("the run's outcome", () -> text(By.cssSelector("main table")).contains("started"));
            assertThat(server.get("/api/v1/schedules/nightly").path("schedule").path("last_outcome").asText()).startsWith("started");
            shot("schedules");
            noConsoleErrors("schedules");

            // usage over time: a chart, and the same numbers as a table
            click(By.cssSelector("#nav a[data-view=usage]"));
            await("the usage chart", () -> !browser.findElements(By.cssSelector("svg.chart path.stored")).isEmpty());
            assertThat(text(By.cssSelector("main"))).contains("Repository local").containsPattern("deduplication [0-9.]+×, compression [0-9.]+×");
            assertThat(browser.findElements(By.cssSelector("svg.chart path.raw"))).as("the line after deduplication").isNotEmpty();
            shot("usage");
            noConsoleErrors("usage");

            // a failure comes first on the overview, and the instances view (none registered) draws cleanly;
            // the schedule's run must have ended first (a volume takes one backup at a time)
            server.await("/api/v1/volumes/appdata", "volume", Set.of("available", "in-use"));
            var broken = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"appdata\",\"repository\":\"broken\",\"name\":\"doomed\"}");
            assertThat(broken.status()).as(broken.toString()).isEqualTo(202);
            assertThat(server.await("/api/v1/backups/" + broken.body().path("backup").path("id").asText(), "backup", Set.of("available", "error"))
                    .path("status").asText()).isEqualTo("error");
            click(By.cssSelector("#nav a[data-view=overview]"));
            await("the failure on the overview", () -> text(By.id("problems")).contains("A backup job failed on volume appdata"));
            assertThat(browser.findElement(By.cssSelector("#problems li.problem")).getAttribute("class")).contains("critical");
            shot("overview-problem");
            click(By.cssSelector("#problems li.problem a"));
            await("the failed backup's page", () -> text(By.cssSelector("main h1")).equals("Backup doomed") && text(By.cssSelector("main dl")).contains("Not a directory"));
            click(By.cssSelector("#nav a[data-view=instances]"));
            await("the instances view", () -> text(By.cssSelector("main")).contains("No database instance is registered"));
            noConsoleErrors("failure and instances");

            // the keyboard: the first Tab reaches the skip link, Enter moves to the content; the nav is links
            browser.get(server.url() + "/ui#/volumes"); // a fresh load (the page is also at /ui)
            await("the volume list", () -> text(By.cssSelector("main")).contains("appdata-copy"));
            new Actions(browser).sendKeys(Keys.TAB).perform();
            assertThat(browser.switchTo().activeElement().getAttribute("class")).isEqualTo("skip");
            new Actions(browser).sendKeys(Keys.ENTER).perform();
            await("focus on the content", () -> "main".equals(browser.switchTo().activeElement().getAttribute("id")));
            for (WebElement input : browser.findElements(By.cssSelector("input, select"))) {
                String id = input.getAttribute("id");
                assertThat(browser.findElements(By.cssSelector("label[for='" + id + "']"))).as("a label for " + id).isNotEmpty();
            }

            // a phone's width: no sideways scrolling, the nav wraps
            browser.manage().window().setSize(new Dimension(390, 844));
            browser.get(server.url() + "/#/backups");
            await("the backup list", () -> text(By.cssSelector("main")).contains("from-the-page"));
            long overflow = (Long) ((JavascriptExecutor) browser).executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
            assertThat(overflow).as("horizontal overflow at 390 px").isLessThanOrEqualTo(0);
            shot("phone-backups");
            noConsoleErrors("phone");
        }
    }

    @Test
    void aServerThatNeedsATokenIsAskedForOneThatStaysOutOfTheUrl() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        String token = "dashboard-test-token-0123456789";
        try (ServerProcess server = new ServerProcess(data, Map.of("COFFER_TOKEN", token)).start()) {
            assertThat(server.call("GET", "/api/v1/overview", null).status()).isEqualTo(401);
            browser.get(server.url() + "/");
            await("the token form", () -> browser.findElement(By.id("dialog")).isDisplayed() && text(By.id("dialog")).contains("API token"));
            shot("token");
            WebElement field = browser.findElement(By.cssSelector("#dialog input[type=password]"));
            field.sendKeys("wrong");
            click(By.cssSelector("#dialog button[type=submit]"));
            await("the refusal", () -> text(By.cssSelector("#dialog .form-error")).contains("the API token is wrong"));
            field.clear();
            field.sendKeys(token);
            click(By.cssSelector("#dialog button[type=submit]"));
            await("the overview", () -> text(By.cssSelector("main h1")).equals("Overview") && !browser.findElement(By.id("dialog")).isDisplayed());
            assertThat(browser.getCurrentUrl()).doesNotContain(token);
            assertThat(browser.manage().getCookies()).as("no cookie carries a credential").isEmpty();
            noConsoleErrors("token", "status of 401");
        }
    }

    @Test
    void aDatabaseInstanceIsBackedUpAndItsBackupVerifiedFromThePage() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root && "true".equals(System.getenv("CI"))) throw new IllegalStateException("the instance part of DashboardIT needs root in CI");
        org.assertj.core.api.Assumptions.assumeThat(root).as("root (PostgreSQL runs as its own user)").isTrue();
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")); // postgres walks into it
        try (ServerProcess server = new ServerProcess(Files.createDirectories(tmp.resolve("data"))).start()) {
            Path vol = volume(server, "pgvol");
            DatabaseInstancesIT.sh("chown", "postgres:postgres", vol.toString());
            DatabaseInstancesIT.sh("chmod", "700", vol.toString());
            DatabaseInstancesIT.sh("runuser", "-u", "postgres", "--", DatabaseInstancesIT.pgBin().resolve("initdb").toString(), "-D", vol.toString(), "-A", "trust", "-U", "postgres");
            var pg = io.coffer.instance.LocalRuntime.start(io.coffer.instance.DbEngine.POSTGRESQL, vol, tmp.resolve("run-pg"), "postgres", null,
                    java.time.Duration.ofSeconds(60));
            try {
                var reg = server.cli("instance", "register", "pg1", "--engine", "postgresql", "--volume", "pgvol", "--host", "127.0.0.1",
                        "--port", Integer.toString(pg.port()), "-o", "json");
                assertThat(reg.code()).as(reg.toString()).isZero();

                browser.get(server.url() + "/#/instances");
                await("the instance", () -> text(By.cssSelector("main table")).contains("pg1") && text(By.cssSelector("main table")).contains("postgresql"));
                click(By.cssSelector("button[aria-label='Back up pg1']"));
                await("the backup form", () -> browser.findElement(By.id("dialog")).isDisplayed());
                click(By.cssSelector("#dialog button[type=submit]"));
                await("the backup to start", () -> server.get("/api/v1/backups").path("backups").size() == 1);
                String id = server.get("/api/v1/backups").path("backups").get(0).path("id").asText();
                JsonNode b = server.await("/api/v1/backups/" + id, "backup", Set.of("available", "error"));
                assertThat(b.path("status").asText()).as(b.toString()).isEqualTo("available");
                assertThat(b.path("consistency").asText()).isEqualTo("application");
                shot("instances");

                browser.get(server.url() + "/#/backups/" + id);
                await("the backup's page", () -> text(By.cssSelector("main")).contains("Database") && text(By.id("verification")).contains("Not verified yet"));
                click(By.xpath("//main//button[text()='Verify']"));
                await("the verify form", () -> browser.findElement(By.id("dialog")).isDisplayed());
                click(By.cssSelector("#dialog button[type=submit]"));
                await("the verification to pass on the page", () -> text(By.id("verification")).contains("passed"));
                assertThat(server.get("/api/v1/backups/" + id).path("backup").path("verification").path("status").asText()).isEqualTo("passed");
                shot("verified");
                noConsoleErrors("instance backup and verification");
            } finally {
                io.coffer.instance.LocalRuntime.stop(io.coffer.instance.DbEngine.POSTGRESQL, pg.pid(), java.time.Duration.ofSeconds(60));
            }
        }
    }

    private static Path volume(ServerProcess server, String name) throws Exception {
        var v = server.call("POST", "/api/v1/volumes", "{\"name\":\"" + name + "\",\"size\":\"1GiB\"}");
        assertThat(v.status()).as(v.toString()).isEqualTo(201);
        return Path.of(v.body().path("volume").path("path").asText());
    }

    /** The id of the one snapshot a list will show. */
    private static String awaitOne(ServerProcess server, String path) throws Exception {
        for (int i = 0; i < 300; i++) {
            JsonNode l = server.get(path).path("snapshots");
            if (l.size() == 1) return l.get(0).path("id").asText();
            Thread.sleep(100);
        }
        throw new AssertionError("no snapshot at " + path);
    }

    private String text(By by) {
        return browser.findElement(by).getText();
    }

    /** Clicks, trying again while the page redraws under it. */
    private void click(By by) throws InterruptedException {
        await("to click " + by, () -> {
            browser.findElement(by).click();
            return true;
        });
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void await(String what, Check c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (c.ok()) return;
            } catch (NoSuchElementException | StaleElementReferenceException e) {
                last = e;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("waited 90 s for " + what + "; the page shows: " + browser.findElement(By.tagName("body")).getText(), last);
    }

    private void shot(String name) throws Exception {
        Files.write(SHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    /** No console error since the last call, but the HTTP errors a step provoked on purpose. */
    private void noConsoleErrors(String step, String... allowed) {
        assertThat(consoleErrors(allowed)).as("console errors at " + step).isEmpty();
    }

    private List<String> consoleErrors(String... allowed) {
        List<String> errors = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() < Level.SEVERE.intValue()) continue;
            String m = e.getMessage();
            if (java.util.Arrays.stream(allowed).anyMatch(m::contains)) continue;
            errors.add(m);
        }
        return errors;
    }
}
