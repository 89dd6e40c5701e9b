package io.hotvisor.livepatch.osgi;

import io.hotvisor.patch.applier.ClassLocator;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleWiring;

import java.util.Collection;
import java.util.Optional;

/**
 * Finds a payload's classes in the running framework: a bundle by symbolic name (and version when
 * the payload names one), its class loader through {@link BundleWiring}, and a class of a given
 * package that the bundle itself contains (where new classes are defined beside it).
 */
final class OsgiClassLocator implements ClassLocator {
    private final BundleContext ctx;

    OsgiClassLocator(BundleContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Optional<ClassLoader> loader(String bundle, String bundleVersion) {
        return find(bundle, bundleVersion).map(b -> b.adapt(BundleWiring.class)).map(BundleWiring::getClassLoader);
    }

    @Override
    public Optional<Class<?>> packageAnchor(String bundle, String bundleVersion, String packageName) {
        Optional<Bundle> b = find(bundle, bundleVersion);
        if (b.isEmpty()) return Optional.empty();
        BundleWiring wiring = b.get().adapt(BundleWiring.class);
        if (wiring == null) return Optional.empty();
        String path = packageName.replace('.', '/');
        Collection<String> classes = wiring.listResources("/" + path, "*.class", BundleWiring.LISTRESOURCES_LOCAL);
        for (String resource : classes) {
            String name = resource.substring(0, resource.length() - ".class".length()).replace('/', '.');
            if (name.endsWith("package-info")) continue;
            try {
                Class<?> type = wiring.getClassLoader().loadClass(name);
                if (type.getClassLoader() == wiring.getClassLoader()) return Optional.of(type);
            } catch (ClassNotFoundException | LinkageError e) {
                // try the next class of the package
            }
        }
        return Optional.empty();
    }

    private Optional<Bundle> find(String symbolicName, String version) {
        for (Bundle b : ctx.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName()) && (version == null || b.getVersion().toString().equals(version))) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }
}
