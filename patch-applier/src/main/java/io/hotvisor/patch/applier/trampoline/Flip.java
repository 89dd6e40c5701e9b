package io.hotvisor.patch.applier.trampoline;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MutableCallSite;
import java.util.List;

/**
 * The call-site changes of one action, computed beforehand so that {@link #apply()} inside the
 * rendezvous only stores targets and publishes them with one {@link MutableCallSite#syncAll}.
 *
 * <p>Order inside a flip: a method being patched gets its body before its guard turns true; a
 * method going back to its original code gets its guard false before its body is reset. A thread
 * that still runs hypervisor code during the pause therefore never calls a body that is not ready;
 * at worst it re-enters the method's prologue once and takes the original path.
 *
 * <p>Not thread-safe: one action thread calls {@code apply}, then maybe {@code rollback}. Drop the
 * flip after the action: it holds the previous bodies.
 */
public final class Flip {
    private final Trampolines owner;
    private final List<Prepared> from;
    private final List<Prepared> next;
    private final MethodSites[] sites;
    private final MethodHandle[] targets;
    private final MutableCallSite[] all;
    private MethodHandle[] previous;

    Flip(Trampolines owner, List<Prepared> from, List<Prepared> next, MethodSites[] sites, MethodHandle[] targets) {
        this.owner = owner;
        this.from = from;
        this.next = List.copyOf(next);
        this.sites = sites;
        this.targets = targets;
        this.all = new MutableCallSite[sites.length * 2];
        for (int i = 0; i < sites.length; i++) {
            all[2 * i] = sites[i].guard();
            all[2 * i + 1] = sites[i].body();
        }
    }

    /** Number of methods whose target this flip changes or confirms. */
    public int methods() {
        return sites.length;
    }

    /**
     * Points every method at its new target and publishes all of them at once.
     *
     * @throws IllegalStateException when applied twice, or when another flip was applied since this one was made
     */
    public void apply() {
        if (previous != null) {
            throw new IllegalStateException("flip already applied");
        }
        owner.enter(this);
        previous = new MethodHandle[sites.length];
        for (int i = 0; i < sites.length; i++) {
            previous[i] = sites[i].body().getTarget();
        }
        store(targets);
        MutableCallSite.syncAll(all);
    }

    /** Undoes {@link #apply()}: every method back to its previous target, published at once. */
    public void rollback() {
        if (previous == null) {
            throw new IllegalStateException("flip not applied");
        }
        store(previous);
        MutableCallSite.syncAll(all);
        owner.leave(this);
        previous = null;
    }

    List<Prepared> from() {
        return from;
    }

    List<Prepared> next() {
        return next;
    }

    private void store(MethodHandle[] bodies) {
        for (int i = 0; i < sites.length; i++) {
            if (bodies[i] == sites[i].original()) {
                sites[i].guard().setTarget(MethodSites.UNPATCHED);
            } else {
                sites[i].body().setTarget(bodies[i]);
            }
        }
        for (int i = 0; i < sites.length; i++) {
            if (bodies[i] == sites[i].original()) {
                sites[i].body().setTarget(bodies[i]);
            } else {
                sites[i].guard().setTarget(MethodSites.PATCHED);
            }
        }
    }
}
