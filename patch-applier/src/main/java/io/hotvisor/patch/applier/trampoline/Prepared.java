package io.hotvisor.patch.applier.trampoline;

import java.lang.invoke.MethodHandle;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One payload's new bodies, defined as hidden classes and ready to be flipped in: what
 * {@link Trampolines#prepare} makes at upload, outside any pause. It holds the hidden classes
 * strongly (through their method handles); once the payload is reverted and this object dropped,
 * they can be unloaded.
 *
 * <p>A class is either carried whole or not at all: {@link #refusals()} names the members of the
 * classes that were not, and the action carries those classes another way or refuses the payload.
 */
public final class Prepared {
    private final String payloadId;
    private final Map<Class<?>, Map<MethodSites, MethodHandle>> bodies;
    private final List<Refusal> refusals;

    Prepared(String payloadId, Map<Class<?>, Map<MethodSites, MethodHandle>> bodies, List<Refusal> refusals) {
        this.payloadId = payloadId;
        this.bodies = Collections.unmodifiableMap(bodies);
        this.refusals = List.copyOf(refusals);
    }

    public String payloadId() {
        return payloadId;
    }

    /** The classes whose every change this payload carries by trampoline. */
    public Set<Class<?>> carried() {
        return bodies.keySet();
    }

    /** Why the other classes cannot be carried, per member; empty when every class is carried. */
    public List<Refusal> refusals() {
        return refusals;
    }

    /** How many methods it patches. */
    public int methods() {
        return bodies.values().stream().mapToInt(Map::size).sum();
    }

    Map<Class<?>, Map<MethodSites, MethodHandle>> bodies() {
        return bodies;
    }

    @Override
    public String toString() {
        return "Prepared[" + payloadId + ", " + methods() + " methods in " + bodies.size() + " classes, "
                + refusals.size() + " refusals]";
    }
}
