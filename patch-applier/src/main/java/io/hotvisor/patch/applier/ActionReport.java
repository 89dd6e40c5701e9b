package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.LivepatchMechanism;
import io.hotvisor.stopmachine.StopMachine;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Objects;

/**
 * What one successful action did and what it cost the guests.
 *
 * @param action           {@code apply}, {@code revert} or {@code replace}
 * @param name             the payload acted on
 * @param classes          how many classes the one redefinition batch held
 * @param quiesceNanos     from the rendezvous request until the last pCPU parked
 * @param windowNanos      time inside the window (all pCPUs parked)
 * @param pauseNanos       total guest pause: from the first pCPU parking until release
 * @param loadedClassCount the JVM's loaded class count right after the action (HotSpot's redefine
 *                         cost grows with it, so every pause figure is printed beside it)
 * @param notes            what else happened: a post-hook's failure, payloads reverted by a replace
 * @param noAction         the payload was already in the state the action leads to: nothing was
 *                         done and the guests were not paused (xen-livepatch's "No action needed")
 * @param mechanism        how the classes changed: {@link #REDEFINE}, {@link #TRAMPOLINE}, {@link #MIXED}
 *                         (one pause, some classes each way), {@link #BUNDLE_UPDATE}, or {@link #NONE}
 *                         (hooks only, or no action)
 */
public record ActionReport(String action, String name, int classes, long quiesceNanos, long windowNanos,
                           long pauseNanos, int loadedClassCount, List<String> notes, boolean noAction,
                           String mechanism) {
    /** Every class of the action went through {@code RedefineClasses}. */
    public static final String REDEFINE = LivepatchMechanism.REDEFINE.configName();
    /** Every class of the action was switched by its woven call sites (trampoline mode). */
    public static final String TRAMPOLINE = LivepatchMechanism.TRAMPOLINE.configName();
    /** Trampolines for the classes they carry, redefinition for the rest, in the same pause. */
    public static final String MIXED = TRAMPOLINE + "+" + REDEFINE;
    /** A whole bundle replaced by Felix. */
    public static final String BUNDLE_UPDATE = "bundle-update";
    /** No class changed. */
    public static final String NONE = "none";

    public ActionReport {
        notes = List.copyOf(notes);
        Objects.requireNonNull(mechanism, "mechanism");
    }

    /** The report of an action whose window {@code r} timed. */
    static ActionReport of(String action, String name, int classes, Window.Ran r, List<String> notes) {
        StopMachine.Report t = r.timing();
        return of(action, name, classes, t.quiesceNanos(), t.windowNanos(), t.pauseNanos(), notes, r.mechanism());
    }

    static ActionReport of(String action, String name, int classes, long quiesceNanos, long windowNanos,
                           long pauseNanos, List<String> notes, String mechanism) {
        int loaded = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
        return new ActionReport(action, name, classes, quiesceNanos, windowNanos, pauseNanos, loaded, notes, false,
                mechanism);
    }

    /** Nothing to do: {@code name} is already {@code state}. */
    static ActionReport noAction(String action, String name, PayloadState state) {
        int loaded = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
        return new ActionReport(action, name, 0, 0, 0, 0, loaded, List.of("No action needed: " + name + " is already " + state),
                true, NONE);
    }

    /** One line for an operator. */
    public String summary() {
        if (noAction) {
            return notes.get(0);
        }
        return String.format("%s %s: %d class(es) by %s, quiesce %.3f ms, window %.3f ms, guest pause %.3f ms, %d classes loaded",
                action, name, classes, mechanism, quiesceNanos / 1e6, windowNanos / 1e6, pauseNanos / 1e6, loadedClassCount);
    }
}
