package io.hotvisor.patch.applier.activeness;

import java.util.Map;
import java.util.Set;

/**
 * Looks at every thread's stack for a method about to be replaced. Frames at and above a safe
 * point (by default {@code Rendezvous.safePoint}, where every pCPU is parked during the window)
 * are the rendezvous's own and are not counted; the frames below them are: a pCPU's run loop
 * is on its stack for good, so a payload that changes it is refused.
 *
 * <p>Meant to run inside the rendezvous window, when no pCPU thread can move; other threads are
 * sampled one by one ({@link Thread#getAllStackTraces()}).
 */
public final class ActivenessCheck {
    /** The frame every parked pCPU sits in. */
    public static final String SAFE_POINT_CLASS = "io.hotvisor.runtime.rendezvous.Rendezvous";
    public static final String SAFE_POINT_METHOD = "safePoint";

    private ActivenessCheck() {
    }

    /** A method on a thread's stack that is being replaced. */
    public record Hit(String className, String methodName, String threadName, int depth) {
        /** kpatch's wording, naming method and thread. */
        public String describe() {
            return "method " + className + "." + methodName + " is active on the stack of thread '" + threadName
                    + "' (frame " + depth + ")";
        }
    }

    /**
     * The first frame found that runs a changed method, or {@code null} when none does.
     *
     * @param changed binary class name to the names of its changed methods
     */
    public static Hit find(Map<String, Set<String>> changed) {
        if (changed.isEmpty()) {
            return null;
        }
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Hit hit = scan(e.getKey().getName(), e.getValue(), changed);
            if (hit != null) {
                return hit;
            }
        }
        return null;
    }

    /** Scans one stack, top frame first; package-private for tests. */
    static Hit scan(String threadName, StackTraceElement[] frames, Map<String, Set<String>> changed) {
        int from = 0;
        for (int i = 0; i < frames.length; i++) {
            if (SAFE_POINT_METHOD.equals(frames[i].getMethodName()) && SAFE_POINT_CLASS.equals(frames[i].getClassName())) {
                from = i + 1;
                break;
            }
        }
        for (int i = from; i < frames.length; i++) {
            Set<String> methods = changed.get(frames[i].getClassName());
            if (methods != null && methods.contains(frames[i].getMethodName())) {
                return new Hit(frames[i].getClassName(), frames[i].getMethodName(), threadName, i);
            }
        }
        return null;
    }
}
