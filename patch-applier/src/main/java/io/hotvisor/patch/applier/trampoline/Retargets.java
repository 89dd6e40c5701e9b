package io.hotvisor.patch.applier.trampoline;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MutableCallSite;
import java.util.ArrayList;
import java.util.List;

/**
 * Call sites pointed at new targets, then published to every thread at once with one
 * {@link MutableCallSite#syncAll}. A site already at its target is left alone: retargeting a site
 * that compiled code depends on deoptimises that code, even to the same target.
 *
 * <p>Not thread-safe: one per batch of changes, on the thread that makes them.
 */
final class Retargets {
    private final List<MutableCallSite> changed;

    Retargets(int expected) {
        changed = new ArrayList<>(expected);
    }

    /** Points {@code site} at {@code target} and publishes it at once, unless it is there already. */
    static void pointNow(MutableCallSite site, MethodHandle target) {
        Retargets one = new Retargets(1);
        one.point(site, target);
        one.publish();
    }

    /** Points {@code site} at {@code target}, unless it is there already; seen by all after {@link #publish}. */
    void point(MutableCallSite site, MethodHandle target) {
        if (site.getTarget() != target) {
            site.setTarget(target);
            changed.add(site);
        }
    }

    /** Publishes every site {@link #point} changed; nothing when none changed. */
    void publish() {
        if (!changed.isEmpty()) {
            MutableCallSite.syncAll(changed.toArray(new MutableCallSite[0]));
        }
    }
}
