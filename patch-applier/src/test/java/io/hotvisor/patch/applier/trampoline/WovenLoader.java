package io.hotvisor.patch.applier.trampoline;

import java.util.Map;

/**
 * Plays a patchable bundle's class loader in unit tests: defines the given classes woven, as the
 * host's weaving hook has Felix do, and asks its parent for everything else (the trampoline runtime
 * included, as a bundle gets it through its dynamic import).
 */
final class WovenLoader extends ClassLoader {
    private final Map<String, byte[]> classes;
    private final boolean weave;

    WovenLoader(Map<String, byte[]> classes, boolean weave) {
        super("woven-fixture", WovenLoader.class.getClassLoader());
        this.classes = Map.copyOf(classes);
        this.weave = weave;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] bytes = classes.get(name);
        if (bytes == null) {
            throw new ClassNotFoundException(name);
        }
        byte[] woven = weave ? Weaver.weave(this, bytes) : null;
        byte[] defined = woven != null ? woven : bytes;
        return defineClass(name, defined, 0, defined.length);
    }

    Class<?> load(String name) {
        try {
            return loadClass(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
