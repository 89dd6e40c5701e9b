package io.hotvisor.hvctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.control.ControlNames;
import io.hotvisor.control.ControlNames.Arg;
import io.hotvisor.control.ControlProtocol;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code hvctl audit [--since TIME]}: the host's audit trail, every request that changed the host
 * (or was refused), with who sent it. TIME is an ISO-8601 instant ({@code 2026-12-06T05:00:00Z}) or
 * an age: a number and {@code s}, {@code m}, {@code h} or {@code d} ({@code 30m}: the last half hour).
 */
@Command(name = "audit", description = "Who changed the host, when, and what came of it (the audit trail).")
final class AuditCommand extends Hvctl.Request {
    @Option(names = "--since", paramLabel = "TIME",
            description = "only records at or after TIME: an ISO-8601 instant (2026-12-06T05:00:00Z) or an age (30s, 10m, 2h, 1d)")
    String since;

    Clock clock = Clock.systemUTC();

    @Override
    String command() {
        return ControlNames.Command.AUDIT;
    }

    @Override
    JsonNode args() throws HvctlException {
        var args = ControlProtocol.JSON.createObjectNode();
        if (since != null) {
            args.put(Arg.SINCE, since(since, clock.instant()).toString());
        }
        return args;
    }

    /** TIME as an instant: ISO-8601 as it is, an age counted back from {@code now}. */
    static Instant since(String text, Instant now) throws HvctlException {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.matches("\\d{1,9}[smhd]")) {
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            Duration age = switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.minus(age);
        }
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw new HvctlException("--since '" + text + "' is neither an ISO-8601 instant (2026-12-06T05:00:00Z)"
                    + " nor an age (30s, 10m, 2h, 1d)", Hvctl.EXIT_USAGE);
        }
    }

    @Override
    void print(JsonNode r, PrintStream out) {
        if (r.has("unavailable")) {
            out.println("AUDIT TRAIL UNAVAILABLE: " + r.path("unavailable").asText());
        }
        JsonNode records = r.path("records");
        if (records.isEmpty()) {
            out.println("no audit records" + (since == null ? "" : " since " + since));
            return;
        }
        out.printf("%-20s %5s %-10s %-8s %-20s %-16s %s%n", "Time", "Seq", "User", "Pid", "Command", "Outcome", "Arguments");
        for (JsonNode a : records) {
            String pid = a.path("pid").isMissingNode() || a.path("pid").isNull() ? "-"
                    : a.path("pid").asText() + (a.path("pid-verified").asBoolean() ? "" : "?");
            out.printf("%-20s %5d %-10s %-8s %-20s %-16s %s%n", seconds(a.path("time").asText()), a.path("seq").asLong(),
                    a.path("user").asText(), pid, a.path("command").asText(), a.path("outcome").asText(), arguments(a));
        }
    }

    /** An ISO instant to the second, as a terminal shows it; as it is when it does not parse. */
    private static String seconds(String time) {
        try {
            return Instant.parse(time).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        } catch (DateTimeParseException e) {
            return time;
        }
    }

    private static String arguments(JsonNode a) {
        List<String> parts = new ArrayList<>();
        a.path("args").fields().forEachRemaining(f -> parts.add(f.getKey() + "=" + f.getValue().asText()));
        if (a.has("message")) {
            parts.add("(" + a.path("message").asText() + ")");
        }
        return String.join(" ", parts);
    }
}
