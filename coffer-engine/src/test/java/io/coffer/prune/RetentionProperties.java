package io.coffer.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.prune.Retention.Candidate;
import io.coffer.prune.Retention.Decision;
import io.coffer.prune.Retention.Within;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class RetentionProperties {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    static Retention keep(int last, int hourly, int daily, int weekly, int monthly, int yearly) {
        return new Retention(last, hourly, daily, weekly, monthly, yearly, null, Map.of());
    }

    /** Backups at random times over about two years, a few of them at the same instant. */
    static List<Candidate> backups(long seed, int n) {
        Random rnd = new Random(seed);
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Instant t = i > 0 && rnd.nextInt(10) == 0 ? out.get(rnd.nextInt(i)).time()
                    : T0.plusSeconds(rnd.nextLong(2L * 366 * 86400));
            out.add(new Candidate(String.format("%064x", rnd.nextLong() & Long.MAX_VALUE), t,
                    rnd.nextInt(5) == 0 ? Map.of("keep", "yes") : Map.of()));
        }
        return out;
    }

    static List<Candidate> newestFirst(List<Candidate> c) {
        List<Candidate> s = new ArrayList<>(c);
        s.sort(Comparator.comparing(Candidate::time).thenComparing(Candidate::id).reversed());
        return s;
    }

    static List<Candidate> kept(List<Decision> d) {
        return d.stream().filter(Decision::keep).map(Decision::backup).toList();
    }

    @Property(tries = 200)
    void everyBackupIsDecidedOnceWhateverTheOrder(@ForAll long seed, @ForAll @IntRange(min = 0, max = 60) int n,
            @ForAll @IntRange(min = 0, max = 5) int last, @ForAll @IntRange(min = 0, max = 5) int daily,
            @ForAll @IntRange(min = 0, max = 5) int weekly, @ForAll @IntRange(min = 0, max = 5) int monthly) {
        Retention r = new Retention(last, 0, daily, weekly, monthly, 1, null, Map.of("keep", "yes"));
        List<Candidate> in = backups(seed, n);
        List<Decision> d = r.apply(in);
        assertThat(d.stream().map(Decision::backup).toList()).isEqualTo(newestFirst(in));
        List<Candidate> shuffled = new ArrayList<>(in);
        Collections.shuffle(shuffled, new Random(seed ^ 1));
        assertThat(r.apply(shuffled)).isEqualTo(d);
        if (n > 0) assertThat(d.get(0).keep()).as("the newest backup").isTrue();
        for (Decision x : d) {
            if ("yes".equals(x.backup().tags().get("keep"))) assertThat(x.reasons()).contains("tag keep=yes");
        }
    }

    @Property(tries = 200)
    void keepLastKeepsTheNewestN(@ForAll long seed, @ForAll @IntRange(min = 0, max = 40) int n, @ForAll @IntRange(min = 1, max = 50) int last) {
        List<Candidate> in = backups(seed, n);
        assertThat(kept(keep(last, 0, 0, 0, 0, 0).apply(in))).isEqualTo(newestFirst(in).subList(0, Math.min(last, n)));
    }

    enum Period {
        HOURLY(t -> t.truncatedTo(ChronoUnit.HOURS)),
        DAILY(ZonedDateTime::toLocalDate),
        WEEKLY(t -> t.toLocalDate().with(DayOfWeek.MONDAY)), // the ISO week, named by its Monday
        MONTHLY(YearMonth::from),
        YEARLY(Year::from);

        final Function<ZonedDateTime, Comparable<?>> key;

        Period(Function<ZonedDateTime, Comparable<?>> key) {
            this.key = key;
        }

        Retention keep(int n) {
            int[] c = new int[5];
            c[ordinal()] = n;
            return RetentionProperties.keep(0, c[0], c[1], c[2], c[3], c[4]);
        }
    }

    @Property(tries = 500)
    void aPeriodRuleKeepsTheNewestBackupOfEachOfTheNMostRecentPeriods(@ForAll long seed, @ForAll @IntRange(min = 0, max = 80) int n,
            @ForAll @IntRange(min = 1, max = 30) int count, @ForAll Period period, @ForAll @IntRange(min = 0, max = 3) int spread) {
        // spread: backups over two years, a year around new year's eve (ISO weeks of another year), a week, a day
        long span = new long[] {2L * 366 * 86400, 20L * 86400, 7L * 86400, 86400}[spread];
        Instant from = spread == 1 ? Instant.parse("2026-12-22T00:00:00Z") : T0;
        Random rnd = new Random(seed);
        List<Candidate> in = new ArrayList<>();
        for (int i = 0; i < n; i++) in.add(new Candidate("c" + i, from.plusSeconds(rnd.nextLong(span)), Map.of()));
        Map<Object, Candidate> newestOf = new LinkedHashMap<>();
        for (Candidate c : newestFirst(in)) newestOf.putIfAbsent(period.key.apply(ZonedDateTime.ofInstant(c.time(), ZoneOffset.UTC)), c);
        List<Candidate> want = new ArrayList<>(newestOf.values()).subList(0, Math.min(count, newestOf.size()));
        assertThat(kept(period.keep(count).apply(in))).isEqualTo(want);
    }

    @Property(tries = 200)
    void rulesTogetherKeepWhatEachKeepsAlone(@ForAll long seed, @ForAll @IntRange(min = 0, max = 60) int n,
            @ForAll @IntRange(min = 0, max = 4) int last, @ForAll @IntRange(min = 0, max = 4) int hourly,
            @ForAll @IntRange(min = 0, max = 4) int weekly, @ForAll @IntRange(min = 0, max = 4) int yearly) {
        List<Candidate> in = backups(seed, n);
        if (last + hourly + weekly + yearly == 0) return;
        Set<Candidate> union = new HashSet<>();
        if (last > 0) union.addAll(kept(keep(last, 0, 0, 0, 0, 0).apply(in)));
        if (hourly > 0) union.addAll(kept(keep(0, hourly, 0, 0, 0, 0).apply(in)));
        if (weekly > 0) union.addAll(kept(keep(0, 0, 0, weekly, 0, 0).apply(in)));
        if (yearly > 0) union.addAll(kept(keep(0, 0, 0, 0, 0, yearly).apply(in)));
        assertThat(new HashSet<>(kept(keep(last, hourly, 0, weekly, 0, yearly).apply(in)))).isEqualTo(union);
    }

    @Property(tries = 200)
    void withinKeepsWhatIsYoungerThanThePeriodBeforeTheNewest(@ForAll long seed, @ForAll @IntRange(min = 1, max = 60) int n,
            @ForAll @IntRange(min = 0, max = 400) int days) {
        List<Candidate> in = backups(seed, n);
        Instant newest = newestFirst(in).get(0).time();
        Instant cutoff = newest.minus(Duration.ofDays(days));
        List<Decision> d = new Retention(0, 0, 0, 0, 0, 0, new Within(0, 0, 0, days, 0), Map.of()).apply(in);
        for (Decision x : d) assertThat(x.keep()).as(x.backup().time().toString()).isEqualTo(!x.backup().time().isBefore(cutoff));
    }

    @Example
    void aYearOfDailyBackupsUnderATypicalPolicy() {
        // one backup a day at 02:00 and one at 14:00 through 2026; the policy of many operators
        List<Candidate> in = new ArrayList<>();
        for (int day = 0; day < 365; day++) {
            for (int hour : new int[] {2, 14}) in.add(new Candidate("b" + (1000 + day * 2 + hour / 14), T0.plus(Duration.ofDays(day).plusHours(hour)), Map.of()));
        }
        List<Decision> d = keep(0, 0, 7, 4, 12, 0).apply(in);
        List<String> days = kept(d).stream().map(c -> c.time().toString()).toList();
        assertThat(days).containsExactly(
                "2026-12-31T14:00:00Z", "2026-12-30T14:00:00Z", "2026-12-29T14:00:00Z", "2026-12-28T14:00:00Z",
                "2026-12-27T14:00:00Z", "2026-12-26T14:00:00Z", "2026-12-25T14:00:00Z", // daily (the 27th also closes ISO week 52)
                "2026-12-20T14:00:00Z", "2026-12-13T14:00:00Z", // weekly: weeks 51, 50 (53 and 52 already kept)
                "2026-11-30T14:00:00Z", "2026-10-31T14:00:00Z", "2026-09-30T14:00:00Z", "2026-08-31T14:00:00Z",
                "2026-07-31T14:00:00Z", "2026-06-30T14:00:00Z", "2026-05-31T14:00:00Z", "2026-04-30T14:00:00Z",
                "2026-03-31T14:00:00Z", "2026-02-28T14:00:00Z", "2026-01-31T14:00:00Z"); // monthly: December kept as daily
        assertThat(d.get(0).reasons()).containsExactly("daily", "weekly", "monthly");
        assertThat(d.stream().filter(Decision::keep).count()).isEqualTo(20);
    }

    @Example
    void periodsParseAndBadOnesAreNamed() {
        assertThat(Within.parse("1y6m")).isEqualTo(new Within(1, 6, 0, 0, 0));
        assertThat(Within.parse("2w3d12h")).isEqualTo(new Within(0, 0, 2, 3, 12));
        assertThat(Within.parse("36h").before(Instant.parse("2026-03-02T12:00:00Z"))).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(Within.parse("1m").before(Instant.parse("2026-03-31T00:00:00Z"))).isEqualTo(Instant.parse("2026-02-28T00:00:00Z"));
        for (String bad : new String[] {"", "7", "d", "7x", "-1d", "7 d", "1d2"}) {
            assertThatThrownBy(() -> Within.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7d");
        }
        assertThatThrownBy(() -> keep(0, 0, 0, 0, 0, 0).apply(List.of())).hasMessageContaining("--keep-");
        assertThatThrownBy(() -> keep(-1, 0, 0, 0, 0, 0)).hasMessageContaining("-1");
    }
}
