package io.hotvisor.patch.applier;

import java.time.Duration;

/**
 * Options of one action, as {@code xen-livepatch} has them.
 *
 * @param timeout rendezvous timeout; {@code null} or zero for the configured default (30 ms)
 * @param nodeps  skip the stacking check (depends-on must be the top of the applied stack);
 *                never skips the host build-id check
 */
public record ActionOptions(Duration timeout, boolean nodeps) {
    /** The default: configured timeout, dependencies checked. */
    public static final ActionOptions DEFAULT = new ActionOptions(null, false);

    public static ActionOptions timeout(Duration timeout) {
        return new ActionOptions(timeout, false);
    }

    public ActionOptions withNodeps() {
        return new ActionOptions(timeout, true);
    }
}
