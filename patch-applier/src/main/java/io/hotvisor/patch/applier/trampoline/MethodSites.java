package io.hotvisor.patch.applier.trampoline;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MutableCallSite;

/**
 * The two call sites of one woven method and what they point at when nothing is patched: the guard
 * at constant false, the body at the woven method itself (an exact, non-virtual call, so a thread
 * that read the guard just before a revert re-enters the prologue and takes the original code).
 */
record MethodSites(Class<?> owner, String key, MutableCallSite guard, MutableCallSite body, MethodHandle original) {
    static final MethodHandle UNPATCHED = MethodHandles.constant(boolean.class, false);
    static final MethodHandle PATCHED = MethodHandles.constant(boolean.class, true);

    static MethodSites unpatched(Class<?> owner, String key, MethodHandle original) {
        return new MethodSites(owner, key, new MutableCallSite(UNPATCHED), new MutableCallSite(original), original);
    }
}
