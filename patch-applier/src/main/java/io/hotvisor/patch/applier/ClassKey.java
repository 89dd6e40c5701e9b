package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.manifest.ClassEntry;

/** A class as payloads name it: bundle symbolic name, bundle version, binary class name. */
record ClassKey(String bundle, String bundleVersion, String className) {
    static ClassKey of(ClassEntry entry) {
        return new ClassKey(entry.bundle(), entry.bundleVersion(), entry.className());
    }

    String packageName() {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }

    @Override
    public String toString() {
        return bundle + ":" + className;
    }
}
