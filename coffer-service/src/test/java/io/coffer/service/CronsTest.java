package io.coffer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CronsTest {
    @Test
    void fiveFieldsAndNicknamesStepToTheNextTime() {
        Instant t = Instant.parse("2026-12-07T16:34:38Z");
        assertThat(Crons.next("* * * * *", "UTC", t)).isEqualTo(Instant.parse("2026-12-07T16:35:00Z"));
        assertThat(Crons.next("0 3 * * *", "UTC", t)).isEqualTo(Instant.parse("2026-12-08T03:00:00Z"));
        assertThat(Crons.next("@hourly", "UTC", t)).isEqualTo(Instant.parse("2026-12-07T17:00:00Z"));
        assertThat(Crons.next("@daily", "UTC", t)).isEqualTo(Instant.parse("2026-12-08T00:00:00Z"));
        assertThat(Crons.next("@weekly", "UTC", t)).as("Sunday midnight").isEqualTo(Instant.parse("2026-12-13T00:00:00Z"));
        assertThat(Crons.next("@monthly", "UTC", t)).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(Crons.next("@yearly", "UTC", t)).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(Crons.next("*/15 9-17 * * 1-5", "UTC", t)).isEqualTo(Instant.parse("2026-12-07T16:45:00Z"));
    }

    @Test
    void aTimeZoneMovesTheRunAndFollowsDaylightSaving() {
        Instant t = Instant.parse("2026-12-07T16:34:38Z");
        // 03:00 in Berlin is 02:00 UTC in winter
        assertThat(Crons.next("0 3 * * *", "Europe/Berlin", t)).isEqualTo(Instant.parse("2026-12-08T02:00:00Z"));
        // and 01:00 UTC in summer
        assertThat(Crons.next("0 3 * * *", "Europe/Berlin", Instant.parse("2027-07-01T12:00:00Z"))).isEqualTo(Instant.parse("2027-07-02T01:00:00Z"));
    }

    @Test
    void whatIsNotACronExpressionIsRefusedNamingIt() {
        assertThatThrownBy(() -> Crons.check("cron", "every day")).isInstanceOf(ServiceException.class).hasMessageContaining("'every day' is not a cron expression");
        assertThatThrownBy(() -> Crons.check("cron", "61 * * * *")).isInstanceOf(ServiceException.class).hasMessageContaining("'61 * * * *'");
        assertThatThrownBy(() -> Crons.check("cron", "@fortnightly")).isInstanceOf(ServiceException.class).hasMessageContaining("the nicknames are");
        assertThatThrownBy(() -> Crons.check("cron", " ")).isInstanceOf(ServiceException.class).hasMessageContaining("cron is missing");
        assertThatThrownBy(() -> Crons.zone("Mars/Olympus")).isInstanceOf(ServiceException.class).hasMessageContaining("time zone 'Mars/Olympus' is not known");
        assertThat(Crons.check("cron", " 0 3 * * * ")).isEqualTo("0 3 * * *");
    }
}
