package io.hotvisor.control;

import io.hotvisor.log.HostLog;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The host's taint flags: marks that the running host differs from what it booted, as Linux's
 * taint flags do. A flag, once set, stays until the host restarts; setting it again keeps the first
 * time and reason (the moment the host first became so). {@code hvctl info} shows them.
 * Thread-safe.
 */
public final class Taints {

    /** The flags. {@link #id()} is the stable name shown to operators. */
    public enum Flag {
        /** A livepatch payload has been applied since boot. */
        LIVEPATCH("livepatch"),
        /** Microcode was loaded late into the running pCPUs. */
        UCODE_LATE("ucode-late"),
        /** An action used --force (or --nodeps): a safety check was overridden. */
        FORCED("forced"),
        /** The journal or the state directory could not be trusted. */
        DEGRADED("degraded"),
        /** The health watch reverted a payload. */
        HEALTH_REVERT("health-revert");

        private final String id;

        Flag(String id) {
            this.id = id;
        }

        /** The flag's name as operators see it, e.g. {@code ucode-late}. */
        public String id() {
            return id;
        }

        /** The flag named {@code id} ({@code ucode-late}), case-insensitively. */
        public static Flag of(String id) {
            for (Flag f : values()) {
                if (f.id.equalsIgnoreCase(id)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown taint flag '" + id + "'");
        }
    }

    /**
     * One set flag.
     *
     * @param flag the flag
     * @param since when it was first set
     * @param reason why, in one line
     */
    public record Mark(Flag flag, Instant since, String reason) {
        public Mark {
            Objects.requireNonNull(flag, "flag");
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(reason, "reason");
        }

        /** {@code {"flag", "since", "reason"}}, as the info command shows it. */
        public Map<String, String> toMap() {
            return Map.of("flag", flag.id(), "since", since.toString(), "reason", reason);
        }
    }

    private static final System.Logger LOG = HostLog.get("hotvisor.host");

    private final Clock clock;
    private final Map<Flag, Mark> marks = new EnumMap<>(Flag.class);

    public Taints() {
        this(Clock.systemUTC());
    }

    public Taints(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Sets {@code flag}; a flag already set keeps its first time and reason.
     *
     * @return true when the flag was not set before
     */
    public synchronized boolean set(Flag flag, String reason) {
        Objects.requireNonNull(flag, "flag");
        if (marks.containsKey(flag)) {
            return false;
        }
        marks.put(flag, new Mark(flag, clock.instant(), reason.strip()));
        LOG.log(System.Logger.Level.WARNING, "host tainted {0}: {1}", flag.id(), reason.strip());
        return true;
    }

    /** Whether {@code flag} is set. */
    public synchronized boolean isSet(Flag flag) {
        return marks.containsKey(flag);
    }

    /** The set flags, in {@link Flag} order. */
    public synchronized List<Mark> marks() {
        return List.copyOf(new ArrayList<>(marks.values()));
    }

    /** The set flags' names joined by spaces, or {@code none}: {@code hvctl info}'s taint line. */
    public synchronized String summary() {
        return marks.isEmpty() ? "none" : String.join(" ", marks.keySet().stream().map(Flag::id).toList());
    }
}
