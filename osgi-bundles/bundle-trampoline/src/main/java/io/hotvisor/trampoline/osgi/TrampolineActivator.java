package io.hotvisor.trampoline.osgi;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.weaving.WeavingHook;

/**
 * Registers the weaving hook when the host runs with {@code livepatch-mechanism = trampoline} (the
 * launcher's default, passed as a framework property); with {@code redefine}, or with no property at
 * all (a framework not started by the launcher), nothing is woven and the classes run as compiled. A hook
 * sees only classes loaded after it is registered, so the launcher starts this bundle (it declares
 * {@code Hotvisor-Weaving-Hook: true}) before any other.
 */
public final class TrampolineActivator implements BundleActivator {
    private ServiceRegistration<WeavingHook> registration;

    @Override
    public void start(BundleContext context) {
        if (!"trampoline".equals(context.getProperty("hotvisor.livepatch-mechanism"))) {
            return;
        }
        registration = context.registerService(WeavingHook.class, new PatchableWeavingHook(), null);
    }

    @Override
    public void stop(BundleContext context) {
        if (registration != null) {
            registration.unregister();
        }
    }
}
