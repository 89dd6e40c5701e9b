package io.hotvisor.patch.applier.trampoline;

import io.hotvisor.patch.applier.ActionReport;
import io.hotvisor.patch.applier.ClassRedefiner;
import io.hotvisor.patch.format.Sha256;

import java.lang.instrument.ClassDefinition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The trampoline mechanism behind the agent's one seam for changing code: "class C now runs bytes
 * B". Each class of a batch that a trampoline can carry is flipped to a hidden nestmate compiled
 * from B (or back to its own code when B is what it runs unpatched); every other class, and every
 * class a trampoline refuses, goes to the next redefiner (normally {@link RewovenRedefiner}) in
 * the same call, so a mixed payload changes in one pause. The agent's expectations, rollback,
 * revert, stacking and replace are unchanged: they all speak of bytes, and this decides how.
 *
 * <p>Compiling and defining the hidden classes belongs outside the pause: call {@link #prepare}
 * with the batch before the stop-machine runs (a batch not prepared is prepared in the pause,
 * correct but slower). Each class's bodies are the complete difference of B from the class's own
 * code, so the prepared state is per class and per target bytes; only what some class runs now or
 * ran just before is kept (the rollback of the last batch needs it), so hidden classes of reverted
 * payloads become unreachable and unload.
 *
 * <p>Order inside {@link #redefine}: the redefinition first (the JVM applies all of it or nothing;
 * if it throws, nothing was flipped), then one flip. Thread-safety: synchronized.
 */
public final class TrampolineRedefiner implements ClassRedefiner {
    private final Trampolines trampolines;
    private final ClassRedefiner next;
    /** The prepared bodies each trampolined class runs now; a class absent runs its own code. */
    private Map<Class<?>, Prepared> running = new LinkedHashMap<>();
    private Map<Class<?>, Prepared> before = Map.of();
    private final Map<Target, Prepared> prepared = new HashMap<>();
    /** Digests of the byte arrays of the batch being carried, by identity: taken in prepare, not in the pause. */
    private final Map<byte[], Sha256> digests = new IdentityHashMap<>();
    /** The targets of the last batch redefined, kept by {@link #settle} with what runs and ran before. */
    private List<Target> lastBatch = List.of();
    private List<Refusal> refusals = List.of();
    private String lastMechanism = ActionReport.REDEFINE;

    public TrampolineRedefiner(Trampolines trampolines, ClassRedefiner next) {
        this.trampolines = Objects.requireNonNull(trampolines, "trampolines");
        this.next = Objects.requireNonNull(next, "next");
    }

    /**
     * Compiles and defines, outside the pause, the hidden classes the batch will flip to, and readies
     * them ({@link Trampolines#arm}), so that the flip in the pause is flag stores; when that armed a
     * class, waits for the JIT to recompile what arming deoptimised ({@link JitSettle}).
     */
    @Override
    public synchronized void prepare(List<ClassDefinition> batch) {
        boolean deoptimised = false;
        for (ClassDefinition d : batch) {
            target(d); // its digest, so that the pause only looks it up
            Prepared p = preparedFor(d);
            if (p != null && p.carried().contains(d.getDefinitionClass())) {
                deoptimised |= trampolines.arm(p);
            }
        }
        if (deoptimised) {
            JitSettle.await();
        }
    }

    /** After the pause: body sites of reverted methods pointed home, classes with nothing patched disarmed. */
    @Override
    public synchronized void settle() {
        Set<Target> keep = new HashSet<>(lastBatch);
        prepared.entrySet().removeIf(e -> !running.containsValue(e.getValue()) && !before.containsValue(e.getValue())
                && !keep.contains(e.getKey()));
        digests.clear();
        trampolines.settle();
    }

    /** Why classes of the last batch went to redefinition instead (empty when all were trampolined). */
    public synchronized List<Refusal> lastRefusals() {
        return refusals;
    }

    @Override
    public synchronized String lastMechanism() {
        return lastMechanism;
    }

    @Override
    public synchronized void redefine(List<ClassDefinition> batch) throws Exception {
        Map<Class<?>, Prepared> after = new LinkedHashMap<>(running);
        List<ClassDefinition> redefined = new ArrayList<>();
        List<Refusal> refused = new ArrayList<>();
        int flipped = 0;
        for (ClassDefinition d : batch) {
            Class<?> type = d.getDefinitionClass();
            WovenClasses.State state = WovenClasses.of(type);
            if (!state.woven()) {
                redefined.add(d);
            } else if (Arrays.equals(d.getDefinitionClassFile(), state.base())) {
                after.remove(type);
                flipped++;
            } else {
                Prepared p = preparedFor(d);
                if (p.carried().contains(type)) {
                    after.put(type, p);
                    flipped++;
                } else {
                    refused.addAll(p.refusals());
                    redefined.add(d);
                    after.remove(type);
                }
            }
        }
        if (!redefined.isEmpty()) {
            try {
                next.redefine(redefined);
            } catch (Exception | LinkageError e) {
                if (refused.isEmpty()) {
                    throw e;
                }
                // Say first why the trampoline passed the class on: that is what the author can change.
                throw new TrampolineRefusedException(refused, e);
            }
            for (ClassDefinition d : redefined) {
                // The class's own code changed: bodies compiled against the old code are stale.
                prepared.keySet().removeIf(t -> t.type() == d.getDefinitionClass());
            }
        }
        trampolines.flipTo(new ArrayList<>(after.values())).apply();
        before = running;
        running = after;
        refusals = List.copyOf(refused);
        lastMechanism = flipped == 0 ? ActionReport.REDEFINE
                : redefined.isEmpty() ? ActionReport.TRAMPOLINE : ActionReport.MIXED;
        List<Target> targets = new ArrayList<>(batch.size());
        for (ClassDefinition d : batch) {
            targets.add(target(d));
        }
        lastBatch = targets;
    }

    /** The prepared bodies for one class definition (null when the class is not woven). */
    private Prepared preparedFor(ClassDefinition d) {
        Class<?> type = d.getDefinitionClass();
        if (!Trampolines.isWoven(type)) {
            return null;
        }
        return prepared.computeIfAbsent(target(d),
                t -> trampolines.prepare(type.getName(), Map.of(type, d.getDefinitionClassFile())));
    }

    private Target target(ClassDefinition d) {
        byte[] bytes = d.getDefinitionClassFile();
        return new Target(d.getDefinitionClass(), digests.computeIfAbsent(bytes, Sha256::of));
    }

    /** A class and the bytes it is to run, compared by content. */
    private record Target(Class<?> type, Sha256 bytes) {
    }
}
