package io.hotvisor.livepatch.api;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Shadow variables: new state attached to existing objects without changing their layout, for
 * patched code that needs a field the running class does not have (a redefinition cannot add
 * one). The JVM counterpart of kpatch's and Linux's {@code klp_shadow_*}.
 *
 * <p>A shadow is keyed by (object, id): the object by identity ({@code ==}, never
 * {@code equals}), the id a number the patch chooses (one per kind of state, like a
 * {@code klp_shadow} id). The object is held weakly: once it is unreachable its shadows are
 * dropped. A shadow value that refers back to its object keeps that object alive, as a
 * {@link java.util.WeakHashMap} value would.
 *
 * <p>Thread-safe: every operation takes one lock, and {@link #getOrAttach} runs its constructor
 * under that lock, so it runs at most once per (object, id) even when threads race (kpatch's
 * {@code klp_shadow_get_or_alloc}). A constructor must therefore be short and must not wait
 * for another thread that uses shadows.
 *
 * <p>Shadows outlive a revert unless freed: a payload's revert hook should call
 * {@link #detachAll(long)} for the ids it introduced.
 */
public final class Shadow {
    private static final Object LOCK = new Object();
    private static final ReferenceQueue<Object> CLEARED = new ReferenceQueue<>();
    /** Guarded by LOCK. Inner maps are never empty. */
    private static final Map<ObjectRef, Map<Long, Object>> SHADOWS = new HashMap<>();

    private Shadow() {
    }

    /**
     * The shadow value attached to {@code obj} under {@code id}, or {@code null} when there is none.
     *
     * @param <T> the type the caller stored; a wrong type fails with {@link ClassCastException} at the call site
     */
    @SuppressWarnings("unchecked")
    public static <T> T get(Object obj, long id) {
        Objects.requireNonNull(obj, "obj");
        synchronized (LOCK) {
            expunge();
            Map<Long, Object> byId = SHADOWS.get(new ObjectRef(obj));
            return byId == null ? null : (T) byId.get(id);
        }
    }

    /**
     * Attaches {@code value} to {@code obj} under {@code id} and returns it.
     *
     * @throws IllegalStateException when {@code obj} already has a shadow under {@code id}
     *                               (kpatch's {@code klp_shadow_alloc} refuses the same way); use
     *                               {@link #getOrAttach} or {@link #detach} first
     */
    public static <T> T attach(Object obj, long id, T value) {
        Objects.requireNonNull(obj, "obj");
        Objects.requireNonNull(value, "value");
        synchronized (LOCK) {
            expunge();
            Map<Long, Object> byId = SHADOWS.computeIfAbsent(new ObjectRef(obj, CLEARED), k -> new HashMap<>(4));
            if (byId.containsKey(id)) {
                throw new IllegalStateException("shadow " + id + " is already attached to "
                        + obj.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(obj))
                        + "; use getOrAttach, or detach it first");
            }
            byId.put(id, value);
            return value;
        }
    }

    /**
     * The shadow of {@code obj} under {@code id}, attaching {@code constructor.get()} first when
     * there is none. The constructor runs at most once per (object, id), under the shadow lock.
     *
     * @throws NullPointerException when the constructor returns {@code null}
     */
    @SuppressWarnings("unchecked")
    public static <T> T getOrAttach(Object obj, long id, Supplier<? extends T> constructor) {
        Objects.requireNonNull(obj, "obj");
        Objects.requireNonNull(constructor, "constructor");
        synchronized (LOCK) {
            expunge();
            Map<Long, Object> byId = SHADOWS.get(new ObjectRef(obj));
            Object value = byId == null ? null : byId.get(id);
            if (value == null) {
                value = Objects.requireNonNull(constructor.get(), "shadow constructor returned null");
                if (byId == null) {
                    byId = new HashMap<>(4);
                    SHADOWS.put(new ObjectRef(obj, CLEARED), byId);
                }
                byId.put(id, value);
            }
            return (T) value;
        }
    }

    /**
     * Detaches the shadow of {@code obj} under {@code id}.
     *
     * @return the detached value, or {@code null} when there was none
     */
    @SuppressWarnings("unchecked")
    public static <T> T detach(Object obj, long id) {
        Objects.requireNonNull(obj, "obj");
        synchronized (LOCK) {
            expunge();
            ObjectRef key = new ObjectRef(obj);
            Map<Long, Object> byId = SHADOWS.get(key);
            if (byId == null) {
                return null;
            }
            Object value = byId.remove(id);
            if (byId.isEmpty()) {
                SHADOWS.remove(key);
            }
            return (T) value;
        }
    }

    /**
     * Detaches every shadow under {@code id}, whatever its object (kpatch's {@code klp_shadow_free_all}).
     *
     * @return how many were detached
     */
    public static int detachAll(long id) {
        synchronized (LOCK) {
            expunge();
            int removed = 0;
            for (Iterator<Map<Long, Object>> it = SHADOWS.values().iterator(); it.hasNext(); ) {
                Map<Long, Object> byId = it.next();
                if (byId.remove(id) != null) {
                    removed++;
                }
                if (byId.isEmpty()) {
                    it.remove();
                }
            }
            return removed;
        }
    }

    /** How many objects have at least one shadow (after dropping collected ones); for tests. */
    static int objectCount() {
        synchronized (LOCK) {
            expunge();
            return SHADOWS.size();
        }
    }

    /** Called with LOCK held: drops the shadows of objects the collector has cleared. */
    private static void expunge() {
        for (Object ref; (ref = CLEARED.poll()) != null; ) {
            SHADOWS.remove(ref);
        }
    }

    /**
     * A weak reference compared by the identity of its referent. A cleared reference equals only
     * itself, which is how {@link #expunge} finds and removes it.
     */
    private static final class ObjectRef extends WeakReference<Object> {
        private final int hash;

        /** A probe for look-ups: never enqueued. */
        ObjectRef(Object referent) {
            super(referent);
            this.hash = System.identityHashCode(referent);
        }

        /** A key stored in the table: enqueued when its referent is collected. */
        ObjectRef(Object referent, ReferenceQueue<Object> queue) {
            super(referent, queue);
            this.hash = System.identityHashCode(referent);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            if (!(other instanceof ObjectRef that) || hash != that.hash) {
                return false;
            }
            Object mine = get();
            return mine != null && mine == that.get();
        }
    }
}
