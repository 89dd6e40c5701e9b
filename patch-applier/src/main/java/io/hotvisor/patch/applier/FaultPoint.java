package io.hotvisor.patch.applier;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * A named point in an operator's action where a fault-injection run may stop the action, so that a
 * test can kill the host (SIGKILL) at exactly that phase and check what the next boot makes of it.
 * Off unless the host is configured with {@code livepatch-fault-point = POINT}: then the first
 * operator action that reaches POINT logs it at ERROR and waits there, for ever, for the host to be
 * killed. Actions the agent takes by itself (recovery at boot, the health watch's revert) never stop.
 *
 * <p>Points: {@code ACTION.PHASE} for ACTION in {@code upload}, {@code apply}, {@code revert},
 * {@code replace}, {@code unload} and PHASE in {@code begun} (its begin record is on disk, nothing
 * else happened), {@code in-window} (apply, revert, replace: inside the rendezvous, the classes
 * already redefined), {@code done} (it took effect, its end record not yet written) and
 * {@code ended} (its end record is on disk; after an apply, the health watch runs).
 */
public final class FaultPoint {
    /** The actions that have fault points. */
    static final List<String> ACTIONS = List.of("upload", "apply", "revert", "replace", "unload");
    /** Where in an action. */
    static final String BEGUN = "begun";
    static final String IN_WINDOW = "in-window";
    static final String DONE = "done";
    static final String ENDED = "ended";

    /** No point armed: {@link #reach} returns at once. */
    static final FaultPoint NONE = new FaultPoint(null);

    private final String armed;
    private volatile boolean fired;

    private FaultPoint(String armed) {
        this.armed = armed;
    }

    /**
     * The point named {@code name}, armed.
     *
     * @throws IllegalArgumentException for a name that is not a point, listing the points
     */
    public static FaultPoint armed(String name) {
        Objects.requireNonNull(name, "name");
        if (!names().contains(name)) {
            throw new IllegalArgumentException("unknown livepatch fault point '" + name + "'; the points are "
                    + String.join(", ", names()));
        }
        return new FaultPoint(name);
    }

    /** Every point's name. */
    public static List<String> names() {
        List<String> all = new ArrayList<>();
        for (String action : ACTIONS) {
            for (String phase : List.of(BEGUN, IN_WINDOW, DONE, ENDED)) {
                if (!phase.equals(IN_WINDOW) || List.of("apply", "revert", "replace").contains(action)) {
                    all.add(action + "." + phase);
                }
            }
        }
        return all;
    }

    /** The armed point's name, or null. */
    String name() {
        return armed;
    }

    /**
     * Stops the calling thread for good when {@code action.phase} is the armed point (the first time
     * only), after saying so through {@code events}.
     */
    void reach(String action, String phase, Events events) {
        if (armed == null || fired || !armed.equals(action + "." + phase)) {
            return;
        }
        fired = true;
        events.error(null, "fault point " + armed + " reached: the action stops here until the host is killed");
        while (true) {
            LockSupport.park(this); // interrupts are ignored on purpose: only a kill ends this
        }
    }
}
