package io.hotvisor.patch.applier.trampoline;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The host's trampolines: prepares payloads' new bodies as hidden nestmates of the woven classes,
 * and flips woven methods between their original code and the bodies of the payloads on the stack.
 *
 * <p>The state is the stack of applied payloads, bottom first. For each class, the topmost payload
 * that carries it decides every method of that class: its bodies are the complete difference of its
 * head from the class's original code, so a method it does not patch runs the original. Pushing,
 * popping and replacing are all the same operation, a {@link Flip} from one stack to another.
 *
 * <pre>{@code
 * Prepared p = trampolines.prepare(id, headBytesByClass);   // at upload, outside the pause
 * Flip flip = trampolines.push(p);                            // before the pause: computes targets, arms p's classes
 * quiesce(() -> { flip.apply(); ... on failure flip.rollback(); });
 * trampolines.settle();                                       // after the pause: tidies what the flip left
 * }</pre>
 *
 * <p>Defining code inside a hypervisor class is as strong as redefining it, so the constructor
 * takes the host's {@link Instrumentation} as proof of that power; the woven classes' lookups
 * never leave this package. Thread-safety: every method is synchronized; a {@code Flip} is applied
 * by the thread that holds the quiesce.
 */
public final class Trampolines {
    private List<Prepared> stack = List.of();
    /** Classes armed and not yet settled; held strongly only while armed. */
    private final Set<WovenClasses.State> armed = new LinkedHashSet<>();

    /** @throws IllegalArgumentException when the instrumentation cannot redefine classes */
    public Trampolines(Instrumentation proof) {
        if (!Objects.requireNonNull(proof, "instrumentation").isRedefineClassesSupported()) {
            throw new IllegalArgumentException("trampolines need an instrumentation that can redefine classes");
        }
    }

    /** Whether {@code type} was woven (its methods have prologues). */
    public static boolean isWoven(Class<?> type) {
        return WovenClasses.of(type).woven();
    }

    /** The bytes {@code type} was loaded from, before weaving; null when it was not woven. */
    public static byte[] unwovenBytes(Class<?> type) {
        return WovenClasses.of(type).unwoven();
    }

    /**
     * Defines hidden nestmates holding the new bodies of every class of a payload that a trampoline
     * can carry. Runs the classes' static initialisers if they have not run (their lookup is handed
     * over there).
     *
     * @param payloadId names the payload in messages and in {@link #stack()}
     * @param head      the unwoven class bytes of the payload, by running class
     */
    public synchronized Prepared prepare(String payloadId, Map<Class<?>, byte[]> head) {
        Map<Class<?>, Map<MethodSites, MethodHandle>> carried = new LinkedHashMap<>();
        List<Refusal> refusals = new ArrayList<>();
        for (Map.Entry<Class<?>, byte[]> e : head.entrySet()) {
            Class<?> type = e.getKey();
            WovenClasses.State state = WovenClasses.of(type);
            if (!state.woven()) {
                refusals.add(new Refusal(type.getName(), "class", "not woven (its bundle does not declare "
                        + Weaver.PATCHABLE_HEADER + ": true)"));
                continue;
            }
            MethodHandles.Lookup own = lookupOf(type, state);
            NestmateBodies.Result result = NestmateBodies.compile(type, state.unwoven(), state.base(), e.getValue());
            if (!result.carried()) {
                refusals.addAll(result.refusals());
                continue;
            }
            try {
                carried.put(type, define(own, state, result));
            } catch (ReflectiveOperationException | LinkageError problem) {
                refusals.add(new Refusal(type.getName(), "class", "its new bodies cannot be defined: " + problem));
            }
        }
        return new Prepared(payloadId, carried, refusals);
    }

    private static MethodHandles.Lookup lookupOf(Class<?> type, WovenClasses.State state) {
        if (state.lookup() == null) {
            try {
                Class.forName(type.getName(), true, type.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(type.getName() + " is not visible to its own loader", e);
            }
        }
        MethodHandles.Lookup own = state.lookup();
        if (own == null) {
            throw new IllegalStateException(type.getName() + " initialised without handing over its lookup");
        }
        return own;
    }

    private static Map<MethodSites, MethodHandle> define(MethodHandles.Lookup own, WovenClasses.State state,
                                                         NestmateBodies.Result result) throws ReflectiveOperationException {
        Map<MethodSites, MethodHandle> bodies = new IdentityHashMap<>();
        if (result.bodies().isEmpty()) {
            return bodies;
        }
        // Not STRONG: the hidden class lives as long as the handles to its bodies.
        MethodHandles.Lookup hidden = own.defineHiddenClass(result.bytes(), true, MethodHandles.Lookup.ClassOption.NESTMATE);
        ClassLoader loader = state.type().getClassLoader();
        for (NestmateBodies.Body body : result.bodies()) {
            MethodType type = MethodType.fromMethodDescriptorString(body.staticDescriptor(), loader);
            MethodHandle handle = hidden.findStatic(hidden.lookupClass(), body.name(), type);
            String descriptor = body.key().substring(body.name().length());
            bodies.put(state.sites(body.name(), descriptor), handle);
        }
        return bodies;
    }

    /** The flip that puts {@code p} on top of the stack. */
    public synchronized Flip push(Prepared p) {
        List<Prepared> next = new ArrayList<>(stack);
        next.add(Objects.requireNonNull(p));
        return flip(next);
    }

    /**
     * The flip that takes {@code p} off the top of the stack.
     *
     * @throws IllegalStateException unless {@code p} is on top
     */
    public synchronized Flip pop(Prepared p) {
        if (stack.isEmpty() || stack.get(stack.size() - 1) != p) {
            throw new IllegalStateException(p.payloadId() + " is not the top of the trampoline stack " + stack());
        }
        return flip(stack.subList(0, stack.size() - 1));
    }

    /** The flip that replaces the whole stack by {@code p} (a cumulative payload), or by nothing if null. */
    public synchronized Flip replace(Prepared p) {
        return flip(p == null ? List.of() : List.of(p));
    }

    /**
     * The flip to exactly {@code next} (bottom first): the general form of push, pop and replace,
     * for a caller that keeps its own record of which prepared bodies each class runs.
     */
    public synchronized Flip flipTo(List<Prepared> next) {
        return flip(List.copyOf(next));
    }

    /** The ids of the applied payloads that carry trampolines, bottom first. */
    public synchronized List<String> stack() {
        return stack.stream().map(Prepared::payloadId).toList();
    }

    /**
     * Readies {@code p} for a flip, outside the pause: arms the classes it carries
     * ({@link WovenClasses.State#arm()}: their prologues start reading their methods' flags, which
     * deoptimises their compiled code once) and points the body site of each method it patches that
     * is not patched now at {@code p}'s body (nothing calls a body site while its flag is off). The
     * flip in the pause is then flag stores only. Harmless if the flip never comes: {@link #settle()}
     * undoes both.
     *
     * @return whether a class was armed that was not (its compiled code was deoptimised)
     */
    public synchronized boolean arm(Prepared p) {
        boolean newlyArmed = armClasses(p);
        Retargets staged = new Retargets(p.bodies().size());
        for (Map<MethodSites, MethodHandle> bodies : p.bodies().values()) {
            for (Map.Entry<MethodSites, MethodHandle> body : bodies.entrySet()) {
                MethodSites site = body.getKey();
                if (!site.patched()) {
                    staged.point(site.body(), body.getValue());
                }
            }
        }
        staged.publish();
        return newlyArmed;
    }

    /**
     * Arms {@code p}'s classes only: what every flip does when it is made, in case nobody readied
     * {@code p}. Returns whether a class was armed that was not.
     */
    private boolean armClasses(Prepared p) {
        boolean newlyArmed = false;
        for (Map.Entry<Class<?>, Map<MethodSites, MethodHandle>> e : p.bodies().entrySet()) {
            if (!e.getValue().isEmpty()) {
                WovenClasses.State state = WovenClasses.of(e.getKey());
                newlyArmed |= !state.armed();
                state.arm();
                armed.add(state);
            }
        }
        return newlyArmed;
    }

    /**
     * After the pause: points the body site of every method no longer patched back at its own code
     * (so the hidden classes of reverted payloads become unreachable) and disarms every class with
     * nothing patched (so its prologues fold away again). Both deoptimise compiled code, which is
     * why a flip inside the pause leaves them to this.
     */
    public synchronized void settle() {
        for (Iterator<WovenClasses.State> it = armed.iterator(); it.hasNext(); ) {
            WovenClasses.State state = it.next();
            boolean any = false;
            Retargets home = new Retargets(0);
            for (MethodSites s : state.allSites()) {
                if (s.patched()) {
                    any = true;
                } else {
                    home.point(s.body(), s.original());
                }
            }
            home.publish();
            if (!any) {
                state.disarm();
                it.remove();
            }
        }
    }

    private Flip flip(List<Prepared> next) {
        for (Prepared p : next) {
            armClasses(p);
        }
        Map<Class<?>, Map<MethodSites, MethodHandle>> before = topPerClass(stack);
        Map<Class<?>, Map<MethodSites, MethodHandle>> after = topPerClass(next);
        Set<MethodSites> touched = new LinkedHashSet<>();
        before.values().forEach(m -> touched.addAll(m.keySet()));
        after.values().forEach(m -> touched.addAll(m.keySet()));
        MethodSites[] sites = touched.toArray(new MethodSites[0]);
        MethodHandle[] targets = new MethodHandle[sites.length];
        for (int i = 0; i < sites.length; i++) {
            Map<MethodSites, MethodHandle> top = after.get(sites[i].owner());
            MethodHandle body = top == null ? null : top.get(sites[i]);
            targets[i] = body == null ? sites[i].original() : body;
        }
        return new Flip(this, stack, next, sites, targets);
    }

    private static Map<Class<?>, Map<MethodSites, MethodHandle>> topPerClass(List<Prepared> payloads) {
        Map<Class<?>, Map<MethodSites, MethodHandle>> top = new HashMap<>();
        for (Prepared p : payloads) {
            top.putAll(p.bodies());
        }
        return top;
    }

    /** Called by {@link Flip#apply()}: checks the flip starts from the current stack and moves to its target. */
    synchronized void enter(Flip flip) {
        if (stack != flip.from()) {
            throw new IllegalStateException("the trampoline stack changed since this flip was made: " + stack());
        }
        stack = flip.next();
    }

    /** Called by {@link Flip#rollback()}. */
    synchronized void leave(Flip flip) {
        stack = flip.from();
    }
}
