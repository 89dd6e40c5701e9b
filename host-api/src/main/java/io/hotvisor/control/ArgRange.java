package io.hotvisor.control;

import io.hotvisor.stopmachine.StopMachine;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;

/**
 * The range of one numeric argument an operator passes, checked in the same words by
 * {@code hvctl} before it sends and by the host when a request arrives (a request need not come
 * from hvctl). A value out of range never reaches arithmetic that could overflow or truncate it.
 *
 * @param option how the operator spells it ({@code --timeout}, {@code weight})
 * @param min    smallest value allowed
 * @param max    largest value allowed
 * @param unit   what the number counts ({@code ms}, {@code MiB}), empty for a plain number
 */
public record ArgRange(String option, long min, long max, String unit) {
    /** A stop-machine timeout: {@link StopMachine#checkedTimeout}'s 1 ms .. 1 h. */
    public static final ArgRange TIMEOUT_MILLIS = new ArgRange("--timeout", 1, StopMachine.MAX_TIMEOUT.toMillis(), "ms");
    /** Credit2 weight (Xen's 1 .. 65535). */
    public static final ArgRange WEIGHT = new ArgRange("weight", 1, 65_535, "");
    /** Credit2 cap in percent of one pCPU: 0 (none) .. one full pCPU per possible vCPU. */
    public static final ArgRange CAP = new ArgRange("cap", 0, 6_400, "%");
    /** Guest RAM, as a guest config gives it. */
    public static final ArgRange MEMORY_MIB = new ArgRange("memory", 1, 1_024, "MiB");
    /** vCPUs of one domain. */
    public static final ArgRange VCPUS = new ArgRange("vcpus", 1, 64, "");

    /**
     * Returns {@code value} when in range.
     *
     * @throws IllegalArgumentException naming the option, the value and the range
     */
    public long check(long value) {
        if (value < min || value > max) {
            String u = unit.isEmpty() ? "" : " " + unit;
            throw new IllegalArgumentException(option + " " + value + u + " is outside " + min + u + " .. " + max + u);
        }
        return value;
    }

    /** {@link #check} for an argument held in an {@code int}. */
    public int checkInt(long value) {
        return Math.toIntExact(check(value));
    }

    /**
     * The argument {@code field} of a request: {@code fallback} when absent, else an integral JSON
     * number in range (a fraction, a string or a number beyond 64 bits is refused, never rounded).
     *
     * @throws ControlException {@code INVALID_ARGUMENT} naming the option and the range
     */
    public long of(JsonNode args, String field, long fallback) throws ControlException {
        JsonNode n = args.get(field);
        if (n == null || n.isNull()) return fallback;
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new ControlException("INVALID_ARGUMENT", option + " must be a whole number from " + min + " to " + max + ", got " + n);
        }
        try {
            return check(n.longValue());
        } catch (IllegalArgumentException e) {
            throw new ControlException("INVALID_ARGUMENT", e.getMessage());
        }
    }

    /**
     * A request's stop-machine timeout ({@code timeoutMillis}): the default when absent.
     *
     * @throws ControlException {@code INVALID_ARGUMENT} outside 1 ms .. 1 h
     */
    public static Duration timeout(JsonNode args, String field) throws ControlException {
        if (args.get(field) == null || args.get(field).isNull()) return StopMachine.checkedTimeout(null);
        return StopMachine.checkedTimeout(Duration.ofMillis(TIMEOUT_MILLIS.of(args, field, 0)));
    }
}
