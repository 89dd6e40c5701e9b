package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.activeness.MethodDiff;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.ClassKind;
import io.hotvisor.patch.format.manifest.Manifest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a payload into the {@link Window.Plan} of one window: which classes move from which bytes
 * to which (checking each redefine's expectation), which new classes are defined and where, which
 * methods the activeness check looks for, and whether the new classes are defined before the
 * pre-apply hook or inside the window. Only the holder of the action permit calls it.
 */
final class Planner {
    /** The bytes a class runs, as the plan should see them (now, or after a replace's revert). */
    @FunctionalInterface
    interface BytesView {
        byte[] bytes(ClassKey key, Class<?> type) throws IOException;
    }

    private final ClassRecord record;
    private final ClassLocator locator;
    private final ClassDefiner definer;

    Planner(ClassRecord record, ClassLocator locator, ClassDefiner definer) {
        this.record = record;
        this.locator = locator;
        this.definer = definer;
    }

    /**
     * The changes and new classes of applying {@code e}, checking every redefine's expectation
     * against {@code view} (the running record, or what it will be when a replace has reverted
     * the stack).
     *
     * @throws LivepatchException CLASS_NOT_FOUND, EXPECTATION
     */
    Window.Plan plan(PayloadTable.Entry e, BytesView view, String against) throws LivepatchException {
        List<Redefinition> changes = new ArrayList<>();
        List<Window.NewClass> defines = new ArrayList<>();
        Manifest m = e.manifest();
        for (ClassEntry c : m.classes()) {
            ClassKey key = ClassKey.of(c);
            byte[] bytes = e.payload().classBytes(c);
            if (c.kind() == ClassKind.REDEFINE) {
                Class<?> type = resolve(e.name(), key);
                byte[] from = read(key, () -> view.bytes(key, type));
                expect(e.name(), c, from, against);
                changes.add(new Redefinition(key, type, from, bytes));
                continue;
            }
            Class<?> already = record.definedClass(key);
            if (already != null) {
                byte[] now = record.recorded(key);
                if (!Arrays.equals(now, bytes)) {
                    changes.add(new Redefinition(key, already, now, bytes));
                }
                continue;
            }
            ClassLoader loader = locator.loader(c.bundle(), c.bundleVersion()).orElseThrow(() -> new LivepatchException(
                    ErrorCode.CLASS_NOT_FOUND, "payload " + e.name() + " defines " + c.className() + " in bundle " + c.bundle()
                    + " " + c.bundleVersion() + ", which is not installed in this host"));
            defines.add(new Window.NewClass(key, bytes, loader, anchor(e.name(), key, loader, changes), e));
        }
        // A hook's class must exist before the pre-apply hook runs; without hooks, everything
        // waits for the window, so that a refused apply defines nothing.
        return plan(changes, defines, !m.hooks().isEmpty());
    }

    /** A plan of given changes, with the methods the activeness check must look for. */
    Window.Plan plan(List<Redefinition> changes, List<Window.NewClass> defines, boolean defineFirst) {
        return new Window.Plan(changes, defines, changedMethods(changes), defineFirst);
    }

    /** Defines the plan's new classes now when the plan says so (before the pre-apply hook). */
    void defineFirst(PayloadTable.Entry e, Window.Plan plan) throws LivepatchException {
        if (!plan.defineFirst()) {
            return;
        }
        for (Window.NewClass n : plan.defines()) {
            try {
                definer.define(n);
            } catch (Throwable t) {
                throw new LivepatchException(ErrorCode.APPLY_FAILED, "payload " + e.name() + ": defining new class "
                        + n.key() + " failed: " + Window.describe(t) + "; nothing was applied", t);
            }
        }
    }

    /** The class {@code key} names in this host, or CLASS_NOT_FOUND. */
    Class<?> resolve(String payload, ClassKey key) throws LivepatchException {
        return locator.loadedClass(key.bundle(), key.bundleVersion(), key.className()).orElseThrow(() ->
                new LivepatchException(ErrorCode.CLASS_NOT_FOUND, "payload " + payload + " redefines " + key.className()
                        + " of bundle " + key.bundle() + " " + key.bundleVersion() + ", which this host does not have;"
                        + " the payload was built for another set of bundles"));
    }

    /** The bytes {@code type} was loaded with, before any payload. */
    byte[] original(ClassKey key, Class<?> type) throws LivepatchException {
        return read(key, () -> record.original(key, type));
    }

    /** The bytes {@code type} runs now, by the record. */
    byte[] current(ClassKey key, Class<?> type) throws LivepatchException {
        return read(key, () -> record.current(key, type));
    }

    /** @throws LivepatchException EXPECTATION when {@code running} is not what {@code c} expects */
    static void expect(String payload, ClassEntry c, byte[] running, String against) throws LivepatchException {
        Sha256 actual = Sha256.of(running);
        if (!actual.equals(c.expectedSha256())) {
            throw new LivepatchException(ErrorCode.EXPECTATION, "payload " + payload + ": class " + c.className()
                    + " of bundle " + c.bundle() + " is not what the payload expects (" + against + "): running bytes"
                    + " have SHA-256 " + actual + ", expected " + c.expectedSha256() + "; the payload was built against"
                    + " other code, or a payload it does not depend on changed the class");
        }
    }

    private static Map<String, Set<String>> changedMethods(List<Redefinition> changes) {
        Map<String, Set<String>> out = new HashMap<>();
        for (Redefinition c : changes) {
            Set<String> names = MethodDiff.changedMethods(c.from(), c.to());
            if (!names.isEmpty()) {
                out.computeIfAbsent(c.key().className(), k -> new TreeSet<>()).addAll(names);
            }
        }
        return out;
    }

    /** A loaded class of the same package and loader to define a new class beside. */
    private Class<?> anchor(String payload, ClassKey key, ClassLoader loader, List<Redefinition> changes)
            throws LivepatchException {
        String pkg = key.packageName();
        for (Redefinition c : changes) {
            if (c.type().getClassLoader() == loader && c.type().getPackageName().equals(pkg)) {
                return c.type();
            }
        }
        for (Class<?> d : record.definedClasses().values()) {
            if (d.getClassLoader() == loader && d.getPackageName().equals(pkg)) {
                return d;
            }
        }
        Optional<Class<?>> a = locator.packageAnchor(key.bundle(), key.bundleVersion(), pkg);
        if (a.isPresent() && a.get().getClassLoader() == loader) {
            return a.get();
        }
        if (loader instanceof ClassLocator.DefiningLoader) {
            return null;
        }
        throw new LivepatchException(ErrorCode.CLASS_NOT_FOUND, "payload " + payload + " cannot define new class "
                + key.className() + ": no class of package " + pkg + " is loaded in bundle " + key.bundle()
                + " to define it beside; put it in a package the payload also redefines a class of");
    }

    @FunctionalInterface
    private interface Read {
        byte[] bytes() throws IOException;
    }

    private static byte[] read(ClassKey key, Read read) throws LivepatchException {
        try {
            return read.bytes();
        } catch (IOException x) {
            throw new LivepatchException(ErrorCode.CLASS_NOT_FOUND, "cannot read the bytes class " + key
                    + " was loaded from: " + x.getMessage(), x);
        }
    }
}
