package io.hotvisor.patch.applier.health;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * One thing the health watch looks at. {@link #begin()} is called when a watch starts (take a
 * baseline); {@link #check()} then runs every period on the watch thread until the window ends.
 * Implementations must be quick and must not block: they run one after another.
 */
public interface HealthCheck {
    /** Called when a watch starts; the default does nothing. */
    default void begin() {
    }

    /** Healthy, or the reason it is not. */
    Result check();

    /**
     * The outcome of one check: healthy, healthy with a warning worth logging ({@code ok} and a
     * reason), or failed with the reason.
     */
    record Result(boolean ok, String reason) {
        private static final Result OK = new Result(true, null);

        public static Result healthy() {
            return OK;
        }

        /** Healthy, but worth a line in the log (a pCPU the OS did not run, say). */
        public static Result warning(String reason) {
            return new Result(true, Objects.requireNonNull(reason, "reason"));
        }

        public static Result failed(String reason) {
            return new Result(false, Objects.requireNonNull(reason, "reason"));
        }
    }

    /**
     * Fails when {@code counter} (errors counted by a subsystem) grows after the watch began.
     *
     * @param what names the counter in the reason ("credit2 accounting errors")
     */
    static HealthCheck counterStaysFlat(String what, LongSupplier counter) {
        return new HealthCheck() {
            private volatile long baseline;

            @Override
            public void begin() {
                baseline = counter.getAsLong();
            }

            @Override
            public Result check() {
                long now = counter.getAsLong();
                return now == baseline ? Result.healthy()
                        : Result.failed(what + " rose from " + baseline + " to " + now + " after the apply");
            }
        };
    }
}
