package io.hotvisor.patch.applier.trampoline;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per woven class: its unwoven bytes, its own lookup and the call sites of its methods. The state
 * hangs off the class through a {@link ClassValue}, so it never keeps a class (or its bundle's
 * loader) alive; the unwoven bytes of classes not yet defined are held per loader, weakly.
 *
 * <p>Package-private on purpose: the lookups here can define code inside the hypervisor's classes,
 * and only {@link Trampolines} (which takes an {@code Instrumentation} as proof of that power) may
 * use them.
 */
final class WovenClasses {
    /** Bytes as they were before weaving, by loader and binary class name, until the class registers. */
    private static final Map<ClassLoader, Map<String, byte[]>> PENDING = new WeakHashMap<>();

    private static final ClassValue<State> STATE = new ClassValue<>() {
        @Override
        protected State computeValue(Class<?> type) {
            return new State(type, takePending(type));
        }
    };

    private WovenClasses() {
    }

    /** Called by the weaver before the woven class is defined. */
    static void woven(ClassLoader loader, String binaryName, byte[] unwoven) {
        Objects.requireNonNull(loader, "woven classes have a class loader");
        synchronized (PENDING) {
            PENDING.computeIfAbsent(loader, l -> new HashMap<>()).put(binaryName, unwoven.clone());
        }
    }

    private static byte[] takePending(Class<?> type) {
        if (type.getClassLoader() == null || type.isHidden()) {
            return null;
        }
        synchronized (PENDING) {
            Map<String, byte[]> byName = PENDING.get(type.getClassLoader());
            return byName == null ? null : byName.remove(type.getName());
        }
    }

    /** The state of a class, woven or not. */
    static State of(Class<?> type) {
        return STATE.get(type);
    }

    static void register(MethodHandles.Lookup own) {
        State state = checked(own);
        state.lookup = own;
    }

    /** The state of the class whose call site is linking; registers its lookup if clinit has not yet. */
    static State linking(MethodHandles.Lookup caller) {
        State state = checked(caller);
        if (state.lookup == null) {
            state.lookup = caller;
        }
        return state;
    }

    private static State checked(MethodHandles.Lookup lookup) {
        if (!lookup.hasFullPrivilegeAccess()) {
            throw new IllegalCallerException("the lookup of " + lookup.lookupClass().getName() + " lacks full privilege");
        }
        State state = STATE.get(lookup.lookupClass());
        if (state.unwoven == null) {
            throw new IllegalCallerException(lookup.lookupClass().getName() + " was not woven");
        }
        return state;
    }

    /** One class's trampoline state. */
    static final class State {
        private final Class<?> type;
        private final byte[] unwoven;
        private final Map<String, MethodSites> sites = new ConcurrentHashMap<>();
        /** The class-wide first question of every prologue: constant false until the class is armed. */
        private final MutableCallSite armed = new MutableCallSite(MethodSites.FALSE);
        private volatile MethodHandles.Lookup lookup;
        private volatile byte[] base;

        private State(Class<?> type, byte[] unwoven) {
            this.type = type;
            this.unwoven = unwoven;
            this.base = unwoven;
        }

        Class<?> type() {
            return type;
        }

        /** The unwoven bytes whose code the class runs while nothing is patched (changed by a redefinition). */
        byte[] base() {
            return base;
        }

        void rebase(byte[] unwovenBytes) {
            base = unwovenBytes.clone();
        }

        boolean woven() {
            return unwoven != null;
        }

        /** The class file as it was before weaving; null when the class was not woven. */
        byte[] unwoven() {
            return unwoven == null ? null : unwoven.clone();
        }

        /** The class's own lookup; null until it initialised (or linked a call site). */
        MethodHandles.Lookup lookup() {
            return lookup;
        }

        /** The call sites of method {@code name + descriptor}, created on first use. */
        MethodSites sites(String name, String descriptor) {
            return sites.computeIfAbsent(name + descriptor, key -> create(key, name, descriptor));
        }

        private MethodSites create(String key, String name, String descriptor) {
            MethodHandles.Lookup own = lookup;
            if (own == null) {
                throw new IllegalStateException(type.getName() + " has not handed over its lookup");
            }
            MethodType methodType = MethodType.fromMethodDescriptorString(descriptor, type.getClassLoader());
            try {
                boolean isStatic = Modifier.isStatic(type.getDeclaredMethod(name, methodType.parameterArray()).getModifiers());
                MethodHandle original = isStatic ? own.findStatic(type, name, methodType)
                        : own.findSpecial(type, name, methodType, type);
                return MethodSites.unpatched(type, key, original);
            } catch (NoSuchMethodException | IllegalAccessException e) {
                throw new IllegalStateException("woven method " + type.getName() + "." + key + " cannot be found: " + e, e);
            }
        }

        /** The prologues' class-wide call site, {@code ()Z}. */
        MutableCallSite armedSite() {
            return armed;
        }

        /**
         * Whether the prologues of this class read their methods' flags at all. A class with nothing
         * patched may be armed or not with the same behaviour; unarmed costs its compiled code nothing.
         */
        boolean armed() {
            return armed.getTarget() == MethodSites.TRUE;
        }

        /**
         * Makes the prologues read their flags. Deoptimises the compiled code that folded the class's
         * prologues away, so it belongs outside the pause; a no-op when armed already.
         */
        void arm() {
            Retargets.pointNow(armed, MethodSites.TRUE);
        }

        /** Folds the prologues away again; only when no method of the class is patched. */
        void disarm() {
            for (MethodSites s : sites.values()) {
                if (s.patched()) {
                    throw new IllegalStateException(s + " is patched: " + type.getName() + " must stay armed");
                }
            }
            Retargets.pointNow(armed, MethodSites.FALSE);
        }

        /** The sites created so far (those of methods that ran or were patched). */
        Iterable<MethodSites> allSites() {
            return sites.values();
        }
    }
}
