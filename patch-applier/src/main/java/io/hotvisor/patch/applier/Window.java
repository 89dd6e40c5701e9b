package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.activeness.ActivenessCheck;
import io.hotvisor.stopmachine.StopMachine;

import java.lang.instrument.ClassDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * One quiesce-apply-resume: the activeness check (threads outside the rendezvous just before it,
 * each pCPU on its own thread as it parks: {@link ActivenessCheck}), then with every pCPU parked
 * the new classes defined, then ONE redefinition batch, then the in-window hooks, then the in-window check; any
 * failure after the batch restores the saved bytes in the same window (again one batch) before the
 * pCPUs resume. The action given to the rendezvous never throws: an {@link Error} escaping it
 * (VerifyError is one) must not skip the rendezvous's release of the pCPUs.
 *
 * <p>An in-window hook has a bound ({@link AgentConfig#windowHookTimeout()}, 200 ms by default).
 * Past it the hook is interrupted and waited for, at most the same bound again, before the action
 * fails and rolls back in the same window: the rollback never runs beside a hook that is still
 * running. A hook that ignores its interrupt that long makes the action INCONSISTENT (rolled
 * back, but the hook may still change state), which says to restart the host.
 */
final class Window {
    /** A class to define into its bundle's loader, beside {@code anchor} (or through a {@link ClassLocator.DefiningLoader}). */
    record NewClass(ClassKey key, byte[] bytes, ClassLoader loader, Class<?> anchor, PayloadTable.Entry owner) {
    }

    /**
     * What one window does.
     *
     * @param defineFirst define the new classes before the pre-apply hook rather than in the window
     *                    (the {@link Planner} decides: a payload with hooks needs its hook class first)
     */
    record Plan(List<Redefinition> changes, List<NewClass> defines, Map<String, Set<String>> changedMethods,
                boolean defineFirst) {
        Plan(List<Redefinition> changes, List<NewClass> defines, Map<String, Set<String>> changedMethods) {
            this(changes, defines, changedMethods, false);
        }
    }

    private final ClassRecord record;
    private final ClassDefiner definer;
    private final ClassRedefiner redefiner;
    private final StopMachine stopMachine;
    private final HookRunner hooks;
    private final Duration hookTimeout;
    /** Reached inside the window once the batch is in ({@link FaultPoint}): action, phase. */
    private final BiConsumer<String, String> faultPoint;
    /** Run inside the window after every batch the JVM took ({@link AgentConfig#afterBatch}). */
    private final Runnable afterBatch;

    Window(ClassRecord record, ClassDefiner definer, ClassRedefiner redefiner, StopMachine stopMachine, HookRunner hooks,
           Duration hookTimeout, BiConsumer<String, String> faultPoint, Runnable afterBatch) {
        this.record = record;
        this.definer = definer;
        this.redefiner = redefiner;
        this.stopMachine = stopMachine;
        this.hooks = hooks;
        this.hookTimeout = hookTimeout;
        this.faultPoint = faultPoint;
        this.afterBatch = afterBatch;
    }

    /**
     * Runs the window.
     *
     * @param what        "apply NAME", for messages
     * @param windowHooks apply or revert hooks, run after the batch
     * @param check       after the batch and the hooks: {@code null} when consistent, else why not
     * @param undone      after a rollback: {@code null} when nothing of the action remains, else what does
     * @throws LivepatchException TIMEOUT or ACTIVE (nothing changed), APPLY_FAILED or HOOK_FAILED
     *                            (rolled back: {@link LivepatchException#rolledBack()}), INCONSISTENT
     */
    Ran run(String what, Plan plan, List<HookRunner.Call> windowHooks, Supplier<String> check,
            Supplier<String> undone, Duration timeout) throws LivepatchException {
        Outcome o = new Outcome();
        if (!plan.changes().isEmpty()) {
            // Outside the pause: whatever the redefiner can make ready (trampoline bodies, armed classes) is made here.
            redefiner.prepare(batch(plan.changes(), true));
        }
        StopMachine.Report report;
        try {
            report = quiesced(what, plan, windowHooks, check, undone, timeout, o);
        } finally {
            if (!plan.changes().isEmpty()) {
                redefiner.settle();
            }
        }
        if (o.failure != null) {
            throw o.failure;
        }
        return new Ran(report, o.mechanism);
    }

    /** The activeness check of the threads outside the rendezvous, then the rendezvous. */
    private StopMachine.Report quiesced(String what, Plan plan, List<HookRunner.Call> windowHooks, Supplier<String> check,
                                        Supplier<String> undone, Duration timeout, Outcome o) throws LivepatchException {
        Map<String, Set<String>> changed = plan.changedMethods();
        ActivenessCheck.Hit outside = ActivenessCheck.outside(changed, stopMachine.pcpuThreads());
        if (outside != null) {
            throw active(what, outside);
        }
        AtomicReference<ActivenessCheck.Hit> onPcpu = new AtomicReference<>();
        StopMachine.Arrival arrival = changed.isEmpty() ? StopMachine.Arrival.NONE : pcpu -> {
            ActivenessCheck.Hit hit = ActivenessCheck.self(changed);
            if (hit != null) {
                onPcpu.compareAndSet(null, hit);
            }
        };
        try {
            return stopMachine.run(() -> inWindow(what, plan, windowHooks, check, undone, onPcpu.get(), o), timeout, arrival);
        } catch (StopMachine.BusyException e) {
            throw new LivepatchException(ErrorCode.TIMEOUT, what + ": " + e.getMessage()
                    + ". Retry, or use a longer --timeout if a pCPU runs long slices.", e);
        } catch (Exception e) {
            throw new LivepatchException(ErrorCode.APPLY_FAILED, what + ": the rendezvous failed: " + e, e);
        }
    }

    /** A window that ran: what it cost the guests and how the classes changed ({@link ActionReport#mechanism}). */
    record Ran(StopMachine.Report timing, String mechanism) {
    }

    private static final class Outcome {
        LivepatchException failure;
        /** How the forward batch was carried; {@link ActionReport#NONE} when there was none. */
        String mechanism = ActionReport.NONE;
        /** An in-window hook that overran and did not end even when interrupted: why. */
        String hookStillRunning;
    }

    private static LivepatchException active(String what, ActivenessCheck.Hit hit) {
        return new LivepatchException(ErrorCode.ACTIVE, what + " refused: activeness safety check failed: "
                + hit.describe() + ". Nothing was changed; retry when that thread has left the method.");
    }

    /** @param activeOnPcpu what the pCPUs' own check found as they parked, or null */
    private void inWindow(String what, Plan plan, List<HookRunner.Call> windowHooks, Supplier<String> check,
                          Supplier<String> undone, ActivenessCheck.Hit activeOnPcpu, Outcome o) {
        boolean batchDone = false;
        try {
            if (activeOnPcpu != null) {
                o.failure = active(what, activeOnPcpu);
                return;
            }
            for (NewClass n : plan.defines()) {
                try {
                    definer.define(n);
                } catch (Throwable t) {
                    o.failure = failed(ErrorCode.APPLY_FAILED, what + ": defining new class " + n.key() + " failed: "
                            + describe(t) + ". No class was redefined", t);
                    return;
                }
            }
            if (!plan.changes().isEmpty()) {
                try {
                    redefiner.redefine(batch(plan.changes(), true));
                    o.mechanism = redefiner.lastMechanism();
                } catch (Throwable t) {
                    // JVMTI: on any error no class of the batch got its new definition.
                    o.failure = failed(ErrorCode.APPLY_FAILED, what + ": the JVM refused the class batch: " + describe(t)
                            + ". No class was changed", t);
                    return;
                }
            }
            batchDone = true;
            for (Redefinition c : plan.changes()) {
                record.set(c.key(), c.to());
            }
            afterBatch(plan);
            faultPoint.accept(what.substring(0, what.indexOf(' ')), FaultPoint.IN_WINDOW);
            for (HookRunner.Call h : windowHooks) {
                try {
                    hooks.runInWindow(h, hookTimeout);
                } catch (HookRunner.Failure f) {
                    o.failure = failed(ErrorCode.HOOK_FAILED, what + ": " + f.getMessage(), f.getCause());
                    o.hookStillRunning = f.stillRunning() ? f.getMessage() : null;
                    break;
                }
            }
            if (o.failure == null) {
                String bad = check.get();
                if (bad != null) {
                    o.failure = failed(ErrorCode.APPLY_FAILED, what + ": in-window check failed: " + bad, null);
                }
            }
        } catch (Throwable t) {
            o.failure = failed(ErrorCode.APPLY_FAILED, what + ": unexpected failure in the window: " + describe(t), t);
        }
        if (o.failure != null && batchDone) {
            rollback(what, plan, undone, o);
        }
    }

    private void afterBatch(Plan plan) {
        if (!plan.changes().isEmpty()) {
            afterBatch.run();
        }
    }

    private void rollback(String what, Plan plan, Supplier<String> undone, Outcome o) {
        try {
            if (!plan.changes().isEmpty()) {
                redefiner.redefine(batch(plan.changes(), false));
            }
            for (Redefinition c : plan.changes()) {
                record.set(c.key(), c.from());
            }
            afterBatch(plan);
            String left = undone.get();
            if (o.hookStillRunning != null) {
                o.failure = new LivepatchException(ErrorCode.INCONSISTENT, what + ": rolled back in the window, but "
                        + o.hookStillRunning + "; what that hook changes after the window is not undone. Restart the host.",
                        o.failure);
                return;
            }
            if (left != null) {
                o.failure = new LivepatchException(ErrorCode.INCONSISTENT, what + ": partially applied after rollback: "
                        + left + " (first failure: " + o.failure.getMessage() + "). Restart the host.", o.failure);
                return;
            }
            o.failure = new LivepatchException(o.failure.code(), o.failure.getMessage()
                    + "; rolled back in the same window, the host runs what it ran before", o.failure.getCause())
                    .markRolledBack();
        } catch (Throwable t) {
            o.failure = new LivepatchException(ErrorCode.INCONSISTENT, what + ": rollback failed: " + describe(t)
                    + " (first failure: " + o.failure.getMessage() + "). The host may run a partially applied payload;"
                    + " restart it.", t);
        }
    }

    private static LivepatchException failed(ErrorCode code, String message, Throwable cause) {
        return new LivepatchException(code, message, cause).markRolledBack();
    }

    private static List<ClassDefinition> batch(List<Redefinition> changes, boolean forward) {
        List<ClassDefinition> out = new ArrayList<>(changes.size());
        for (Redefinition c : changes) {
            out.add(new ClassDefinition(c.type(), forward ? c.to() : c.from()));
        }
        return out;
    }

    static String describe(Throwable t) {
        return t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
