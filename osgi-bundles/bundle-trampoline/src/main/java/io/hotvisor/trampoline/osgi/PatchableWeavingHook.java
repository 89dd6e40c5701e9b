package io.hotvisor.trampoline.osgi;

import io.hotvisor.patch.applier.trampoline.Weaver;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.hooks.weaving.WovenClass;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * Weaves the classes of every bundle revision whose manifest says {@code Hotvisor-Patchable: true},
 * as Felix defines them, and gives the bundle a dynamic import of the package woven code calls.
 * A bundle update brings a new revision, which is woven the same way when its classes load.
 *
 * <p>A class that cannot be woven is defined as compiled and logged: it still runs, and a
 * trampoline payload for it is refused as "not woven" (the redefine mechanism still applies).
 * Thread-safety: Felix may call it from any thread that loads a class.
 */
final class PatchableWeavingHook implements WeavingHook {
    private static final System.Logger LOG = System.getLogger(PatchableWeavingHook.class.getName());

    /** Whether each revision is patchable; weak, so an updated bundle's old revision can go. */
    private final Map<BundleRevision, Boolean> patchable = new WeakHashMap<>();

    @Override
    public void weave(WovenClass wovenClass) {
        BundleWiring wiring = wovenClass.getBundleWiring();
        if (!patchable(wiring.getRevision())) {
            return;
        }
        try {
            byte[] woven = Weaver.weave(wiring.getClassLoader(), wovenClass.getBytes());
            if (woven != null) {
                wovenClass.setBytes(woven);
                wovenClass.getDynamicImports().add(Weaver.RUNTIME_PACKAGE);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot weave " + wovenClass.getClassName() + " of "
                    + wiring.getBundle().getSymbolicName() + "; it runs unwoven and cannot be trampolined: " + e);
        }
    }

    private boolean patchable(BundleRevision revision) {
        synchronized (patchable) {
            return patchable.computeIfAbsent(revision,
                    r -> "true".equalsIgnoreCase(r.getBundle().getHeaders("").get(Weaver.PATCHABLE_HEADER)));
        }
    }
}
