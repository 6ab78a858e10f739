package io.coffer.prune;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A keep policy for {@code forget}: which backups of one group (one host and source) to keep, by
 * the rules restic and borg users know. Backups are taken newest first; a rule with count n keeps
 * the newest backup of each of the n most recent periods (hours, days, ISO weeks, months, years,
 * all in UTC) that hold a backup; {@code last} keeps the n newest; {@code within} keeps every
 * backup younger than the period before the newest backup (not before now, so that a group whose
 * backups stopped is not emptied by the passing of time); {@code tags} keeps every backup that
 * carries any of those labels. A backup is kept when any rule keeps it; the others are forgotten.
 * Any count or period keeps the newest backup of a group; only a policy of labels alone may not.
 */
public record Retention(int last, int hourly, int daily, int weekly, int monthly, int yearly, Within within, Map<String, String> tags) {

    /** One backup as the policy sees it. */
    public record Candidate(String id, Instant time, Map<String, String> tags) {
        public Candidate {
            Objects.requireNonNull(id);
            Objects.requireNonNull(time);
            tags = tags == null ? Map.of() : tags;
        }
    }

    /** What the policy says of one backup: kept for these reasons, or forgotten (no reasons). */
    public record Decision(Candidate backup, List<String> reasons) {
        public boolean keep() {
            return !reasons.isEmpty();
        }
    }

    /** A calendar period: years, months, weeks, days and hours, as in {@code 1y6m}, {@code 14d}, {@code 36h}. */
    public record Within(int years, int months, int weeks, int days, int hours) {
        private static final Pattern PART = Pattern.compile("(\\d{1,6})([ymwdh])");

        public static Within parse(String s) {
            if (s == null || s.isEmpty()) throw new IllegalArgumentException("a period is empty; give e.g. 7d, 2w, 6m, 1y or 36h");
            int y = 0, mo = 0, w = 0, d = 0, h = 0;
            Matcher m = PART.matcher(s);
            int at = 0;
            while (at < s.length()) {
                if (!m.find(at) || m.start() != at) {
                    throw new IllegalArgumentException("period '" + s + "' is not like 7d, 2w, 6m, 1y, 36h or 1y6m (y years, m months, w weeks, d days, h hours)");
                }
                int n = Integer.parseInt(m.group(1));
                switch (m.group(2)) {
                    case "y" -> y += n;
                    case "m" -> mo += n;
                    case "w" -> w += n;
                    case "d" -> d += n;
                    default -> h += n;
                }
                at = m.end();
            }
            return new Within(y, mo, w, d, h);
        }

        /** The instant this period before {@code t}, in calendar arithmetic (UTC). */
        public Instant before(Instant t) {
            return ZonedDateTime.ofInstant(t, ZoneOffset.UTC).minusYears(years).minusMonths(months).minusWeeks(weeks)
                    .minusDays(days).minusHours(hours).toInstant();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            if (years > 0) b.append(years).append('y');
            if (months > 0) b.append(months).append('m');
            if (weeks > 0) b.append(weeks).append('w');
            if (days > 0) b.append(days).append('d');
            if (hours > 0) b.append(hours).append('h');
            return b.isEmpty() ? "0h" : b.toString();
        }
    }

    public Retention {
        for (int n : new int[] {last, hourly, daily, weekly, monthly, yearly}) {
            if (n < 0) throw new IllegalArgumentException("a --keep-* count must be 0 or more, not " + n);
        }
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    /** True when no rule keeps anything: such a policy would forget every backup, and is refused. */
    public boolean isEmpty() {
        return last == 0 && hourly == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0 && within == null && tags.isEmpty();
    }

    private record Rule(String name, int count, Function<ZonedDateTime, Object> period) {}

    /**
     * Decides for one group of backups. The result lists every backup once, newest first (equal
     * times: larger id first), so the outcome does not depend on the order given.
     */
    public List<Decision> apply(List<Candidate> group) {
        if (isEmpty()) throw new IllegalArgumentException("an empty keep policy would forget every backup; give at least one --keep-* rule");
        List<Candidate> sorted = new ArrayList<>(group);
        sorted.sort(Comparator.comparing(Candidate::time).thenComparing(Candidate::id).reversed());
        int[] serial = {0};
        List<Rule> rules = List.of(
                new Rule("last", last, t -> serial[0]),
                new Rule("hourly", hourly, t -> t.toLocalDate().atTime(t.getHour(), 0)),
                new Rule("daily", daily, ZonedDateTime::toLocalDate),
                new Rule("weekly", weekly, t -> t.get(IsoFields.WEEK_BASED_YEAR) * 100 + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)),
                new Rule("monthly", monthly, t -> t.getYear() * 100 + t.getMonthValue()),
                new Rule("yearly", yearly, ZonedDateTime::getYear));
        int[] left = rules.stream().mapToInt(Rule::count).toArray();
        Object[] lastPeriod = new Object[rules.size()];
        Instant cutoff = within == null || sorted.isEmpty() ? null : within.before(sorted.get(0).time());
        List<Decision> out = new ArrayList<>(sorted.size());
        for (Candidate c : sorted) {
            ZonedDateTime t = ZonedDateTime.ofInstant(c.time(), ZoneOffset.UTC);
            List<String> reasons = new ArrayList<>();
            for (int i = 0; i < rules.size(); i++) {
                if (left[i] == 0) continue;
                Object p = rules.get(i).period().apply(t);
                if (!p.equals(lastPeriod[i])) {
                    lastPeriod[i] = p;
                    left[i]--;
                    reasons.add(rules.get(i).name());
                }
            }
            serial[0]++;
            if (cutoff != null && !c.time().isBefore(cutoff)) reasons.add("within " + within);
            for (var e : tags.entrySet()) {
                if (e.getValue().equals(c.tags().get(e.getKey()))) {
                    reasons.add("tag " + e.getKey() + "=" + e.getValue());
                    break;
                }
            }
            out.add(new Decision(c, List.copyOf(reasons)));
        }
        return out;
    }
}
