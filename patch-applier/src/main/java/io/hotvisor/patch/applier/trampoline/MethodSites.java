package io.hotvisor.patch.applier.trampoline;

import java.lang.invoke.CallSite;
import java.lang.invoke.ConstantCallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;

/**
 * The call sites of one woven method: whether it is patched, and the body it runs when it is.
 *
 * <p>"Patched" is a volatile flag that the prologue reads through a constant call site, and only
 * once the method's class is {@linkplain WovenClasses.State#armed() armed}: the class's own call
 * site is constant false while it has nothing patched, so the JIT folds an unpatched prologue away.
 * Turning the flag is a plain volatile store: it deoptimises nothing, which is what lets a flip
 * inside the rendezvous take microseconds. Compiled code that assumed the flag false meets it true
 * on its next call and deoptimises itself then, after the pause.
 *
 * <p>The body call site points at the top payload's body while the method is patched. When nothing
 * is patched it points at the woven method itself (an exact, non-virtual call), so a thread that
 * read the flag just before a revert re-enters the prologue and takes the original code; after a
 * revert it keeps the old body until {@link Trampolines#settle()} points it back, outside the pause.
 */
final class MethodSites {
    static final MethodHandle FALSE = MethodHandles.constant(boolean.class, false);
    static final MethodHandle TRUE = MethodHandles.constant(boolean.class, true);
    private static final MethodHandle READ_PATCHED;

    static {
        try {
            READ_PATCHED = MethodHandles.lookup().findGetter(MethodSites.class, "patched", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Class<?> owner;
    private final String key;
    private final MutableCallSite body;
    private final MethodHandle original;
    private final CallSite guard;
    /** Read by the prologue of every call once the class is armed; written by a flip. */
    private volatile boolean patched;

    private MethodSites(Class<?> owner, String key, MethodHandle original) {
        this.owner = owner;
        this.key = key;
        this.original = original;
        this.body = new MutableCallSite(original);
        this.guard = new ConstantCallSite(READ_PATCHED.bindTo(this).asType(MethodType.methodType(boolean.class)));
    }

    static MethodSites unpatched(Class<?> owner, String key, MethodHandle original) {
        return new MethodSites(owner, key, original);
    }

    Class<?> owner() {
        return owner;
    }

    /** Name and descriptor. */
    String key() {
        return key;
    }

    /** The prologue's per-method question: {@code ()Z}, the flag. */
    CallSite guard() {
        return guard;
    }

    MutableCallSite body() {
        return body;
    }

    /** The woven method itself, as a non-virtual handle. */
    MethodHandle original() {
        return original;
    }

    boolean patched() {
        return patched;
    }

    void patched(boolean on) {
        patched = on;
    }

    @Override
    public String toString() {
        return owner.getName() + "." + key + (patched ? " (patched)" : "");
    }
}
