package io.hotvisor.patch.applier.activeness;

import java.util.Map;
import java.util.Set;

/**
 * Looks at threads' stacks for a method about to be replaced (the kpatch consistency model: old
 * frames must not be running code that is being replaced). Frames at and above a safe point (by
 * default {@code Rendezvous.safePoint}, where every pCPU is parked during the window) are the
 * rendezvous's own and are not counted; the frames below them are: a pCPU's run loop is on its
 * stack for good, so a payload that changes it is refused.
 *
 * <p>Two halves, so that the window itself only reads a result:
 * <ul>
 *   <li>{@link #self} runs on each pCPU's own thread as it reaches its safe point (the rendezvous's
 *       arrival work): its own stack, tens of microseconds, no safepoint of the JVM.</li>
 *   <li>{@link #outside} samples every other thread just before the rendezvous. Those threads
 *       (control connections, the health watch, the framework's) are not stopped by the rendezvous
 *       either way, so a sample of them is a snapshot wherever it is taken; taken outside, its cost
 *       (one JVM safepoint to walk every stack, then a frame object per frame) is not part of the
 *       guests' pause.</li>
 * </ul>
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
     * The first frame of a thread other than {@code pcpus} that runs a changed method, or
     * {@code null} when none does.
     *
     * @param changed binary class name to the names of its changed methods
     * @param pcpus   threads checked by {@link #self} on arrival instead (mid-slice, a pCPU's stack
     *                holds whatever the guest made it run)
     */
    public static Hit outside(Map<String, Set<String>> changed, Set<Thread> pcpus) {
        if (changed.isEmpty()) {
            return null;
        }
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (pcpus.contains(e.getKey())) {
                continue;
            }
            Hit hit = scan(e.getKey().getName(), e.getValue(), changed);
            if (hit != null) {
                return hit;
            }
        }
        return null;
    }

    /**
     * The first frame of the calling thread below its safe point that runs a changed method, or
     * {@code null}. The stack comes from {@link Thread#getStackTrace()}, which the JVM fills in
     * natively: this runs once per rendezvous on each pCPU, never often enough to be compiled, and
     * interpreted a {@code StackWalker} stream costs a few times more.
     */
    public static Hit self(Map<String, Set<String>> changed) {
        if (changed.isEmpty()) {
            return null;
        }
        Thread me = Thread.currentThread();
        return scan(me.getName(), me.getStackTrace(), changed);
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
