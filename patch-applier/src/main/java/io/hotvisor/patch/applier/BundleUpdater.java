package io.hotvisor.patch.applier;

import java.util.Optional;

/**
 * Replaces a whole bundle of the running host with state transfer: the path of a
 * {@code bundle-update} payload, for changes a class redefinition cannot carry. In the host it is
 * the OSGi framework (Felix's {@code Bundle.update} and a refresh limited to that bundle) plus the
 * host's scheduler handover; the agent decides when, this decides how.
 */
public interface BundleUpdater {
    /** The version of the bundle the host runs now, or empty when it has none by that name. */
    Optional<String> version(String symbolicName);

    /** Whether the bundle can be replaced with its state carried across (its manifest says so). */
    boolean replaceable(String symbolicName);

    /**
     * Replaces the bundle {@code symbolicName} (at {@code fromVersion}) by {@code jar}: the subsystem
     * is stopped and its state exported, the bundle updated and refreshed, the new version's
     * subsystem made and given the state, and started. Any failure puts the previous jar back and
     * gives it the same state, in the same pause, and throws.
     *
     * @return the jar the host ran before, for the way back, and how long guests were paused
     * @throws LivepatchException APPLY_FAILED (rolled back; the message says what failed),
     *                            INCONSISTENT (the rollback failed too; the host resumed the old
     *                            subsystem as it was)
     */
    Result update(String symbolicName, String fromVersion, byte[] jar) throws LivepatchException;

    /**
     * The outcome of an update.
     *
     * @param previousJar  the bytes of the jar the host ran before the update
     * @param classes      how many classes the new jar holds
     * @param quiesceNanos how long the subsystem took to stop
     * @param windowNanos  how long the update took from stopping the subsystem to starting the next
     * @param pauseNanos   how long no guest ran
     * @param detail       what the state import reported
     */
    record Result(byte[] previousJar, int classes, long quiesceNanos, long windowNanos, long pauseNanos, String detail) {
    }
}
