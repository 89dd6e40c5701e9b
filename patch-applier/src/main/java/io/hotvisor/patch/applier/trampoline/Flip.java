package io.hotvisor.patch.applier.trampoline;

import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * The changes of one action to the methods' flags and bodies ({@link MethodSites}), computed
 * beforehand so that {@link #apply()} inside the rendezvous only stores them.
 *
 * <p>What a flip costs the pause: one volatile store per method, plus a retarget of the body call
 * site where a method's body site does not already hold its new body. {@link Trampolines#arm}
 * readies both before the pause (classes armed, body sites of unpatched methods pointed at the new
 * bodies), so in the common case a flip retargets nothing; only a flip that replaces one payload's
 * body by another's on a patched method retargets in the pause, which deoptimises compiled code
 * that inlined the previous body. A method going back to its original code only has its flag
 * cleared; its body site is pointed home later by {@link Trampolines#settle()}.
 *
 * <p>Order inside a flip: a method being patched gets its body before its flag turns true; a method
 * going back gets its flag false first. A thread that still runs hypervisor code during the pause
 * therefore never calls a body that is not ready; at worst it re-enters the method's prologue once
 * and takes the original path.
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
    private final boolean[] patched;
    private MethodHandle[] previous;
    private boolean[] previouslyPatched;

    Flip(Trampolines owner, List<Prepared> from, List<Prepared> next, MethodSites[] sites, MethodHandle[] targets) {
        this.owner = owner;
        this.from = from;
        this.next = List.copyOf(next);
        this.sites = sites;
        this.targets = targets;
        this.patched = new boolean[sites.length];
        for (int i = 0; i < sites.length; i++) {
            patched[i] = targets[i] != sites[i].original();
        }
    }

    /** Number of methods whose target this flip changes or confirms. */
    public int methods() {
        return sites.length;
    }

    /**
     * Points every method at its new target.
     *
     * @throws IllegalStateException when applied twice, or when another flip was applied since this one was made
     */
    public void apply() {
        if (previous != null) {
            throw new IllegalStateException("flip already applied");
        }
        owner.enter(this);
        previous = new MethodHandle[sites.length];
        previouslyPatched = new boolean[sites.length];
        for (int i = 0; i < sites.length; i++) {
            previous[i] = sites[i].body().getTarget();
            previouslyPatched[i] = sites[i].patched();
        }
        store(targets, patched);
    }

    /** Undoes {@link #apply()}: every method back to its previous flag and body. */
    public void rollback() {
        if (previous == null) {
            throw new IllegalStateException("flip not applied");
        }
        store(previous, previouslyPatched);
        owner.leave(this);
        previous = null;
    }

    List<Prepared> from() {
        return from;
    }

    List<Prepared> next() {
        return next;
    }

    private void store(MethodHandle[] bodies, boolean[] on) {
        for (int i = 0; i < sites.length; i++) {
            if (!on[i]) {
                sites[i].patched(false);
            }
        }
        Retargets retargets = new Retargets(sites.length);
        for (int i = 0; i < sites.length; i++) {
            if (on[i]) {
                // Its class is armed: Trampolines arms every class of a flip's target when it makes the flip.
                retargets.point(sites[i].body(), bodies[i]);
            }
        }
        retargets.publish();
        for (int i = 0; i < sites.length; i++) {
            if (on[i]) {
                sites[i].patched(true);
            }
        }
    }
}
