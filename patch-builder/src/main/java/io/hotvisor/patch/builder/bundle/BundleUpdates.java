package io.hotvisor.patch.builder.bundle;

import io.hotvisor.patch.builder.BuildError;
import io.hotvisor.patch.builder.BuildException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides whether a change can ship as a bundle update, and builds the new jars if so. Stateless.
 *
 * <p>A bundle update replaces whole packages: every class the change touches (changed, added, or
 * gone at head) must lie in a package of a bundle whose jar declares {@value BundleJars#REPLACEABLE}.
 * Each such bundle gets a new jar: the distribution's, with the head build's classes for the
 * bundle's packages that the module compiles (a package of the bundle that another module compiled,
 * such as a bundle's own activator, is left as it is).
 */
public final class BundleUpdates {
    private BundleUpdates() {
    }

    /**
     * One module's side of the change.
     *
     * @param module  repository-relative module path
     * @param before  the classes the host runs from this module (binary name to bytes)
     * @param after   the head build's classes
     * @param changed the classes the classifier gave a verdict (redefine, define or refused)
     */
    public record ModuleChange(String module, Map<String, byte[]> before, Map<String, byte[]> after, Set<String> changed) {
        /** Copies the set; the maps are kept as given and not modified. */
        public ModuleChange {
            changed = Set.copyOf(changed);
        }
    }

    /**
     * The outcome.
     *
     * @param updates  one per bundle to replace, by symbolic name; empty when there are problems
     * @param problems why the change cannot be a bundle update, one line each ({@code not a bundle update: ...})
     */
    public record Plan(List<BundleUpdate> updates, List<String> problems) {
        /** Copies the lists. */
        public Plan {
            updates = List.copyOf(updates);
            problems = List.copyOf(problems);
        }

        /** Whether the change can ship as a bundle update. */
        public boolean possible() {
            return problems.isEmpty();
        }

        /** The symbolic names of the bundles to replace. */
        public List<String> bundles() {
            return updates.stream().map(BundleUpdate::bundle).toList();
        }
    }

    /**
     * Plans, and when possible builds, the bundle update of a change.
     *
     * @throws BuildException {@code BAD_TARGET} when a touched bundle has no jar in the distribution or
     *                        its jar is not the build's; {@code IO_ERROR}
     */
    public static Plan plan(BuildInfo target, List<ModuleChange> modules, BundleJars jars) throws BuildException {
        Map<String, Touched> touched = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (ModuleChange m : modules) {
            Map<String, List<BuildInfo.Bundle>> owners = new TreeMap<>();
            for (BuildInfo.Bundle b : target.bundlesOf(m.module())) {
                for (String pkg : packages(b)) {
                    owners.computeIfAbsent(pkg, k -> new ArrayList<>()).add(b);
                }
            }
            Set<String> names = new TreeSet<>(m.changed());
            m.before().keySet().stream().filter(n -> !m.after().containsKey(n)).forEach(names::add);
            for (String name : names) {
                String pkg = JarRewrite.packageOf(name);
                List<BuildInfo.Bundle> owner = owners.getOrDefault(pkg, List.of());
                if (owner.size() == 1) {
                    touched.computeIfAbsent(owner.get(0).symbolicName(), k -> new Touched(owner.get(0), m)).classes.add(name);
                } else if (owner.size() > 1) {
                    problems.add("not a bundle update: " + name + " is in package " + pkg + ", which bundles "
                            + String.join(" and ", owner.stream().map(BuildInfo.Bundle::symbolicName).toList())
                            + " both hold; a bundle update replaces a package in one bundle");
                } else if (m.changed().contains(name)) {
                    problems.add("not a bundle update: " + name + " is in package " + (pkg.isEmpty() ? "(default)" : pkg)
                            + ", which no bundle of the target holds; a bundle update replaces packages of bundles");
                }
                // A class gone at head from a package no bundle holds was never on the host: nothing to do.
            }
        }
        for (Touched t : touched.values()) {
            t.jar = jars.jar(t.bundle);
            if (!t.jar.replaceable()) {
                problems.add("not a bundle update: bundle " + t.bundle.symbolicName() + " " + t.bundle.version()
                        + " is not replaceable (its jar " + t.jar.file().getFileName() + " has no " + BundleJars.REPLACEABLE
                        + " header); it holds " + names(t.classes));
            }
        }
        if (!problems.isEmpty()) {
            return new Plan(List.of(), problems);
        }
        List<BundleUpdate> updates = new ArrayList<>();
        for (Touched t : touched.values()) {
            updates.add(build(t));
        }
        return new Plan(updates, List.of());
    }

    private static BundleUpdate build(Touched t) throws BuildException {
        Set<String> compiled = new HashSet<>();
        t.module.before().keySet().forEach(n -> compiled.add(JarRewrite.packageOf(n)));
        t.module.after().keySet().forEach(n -> compiled.add(JarRewrite.packageOf(n)));
        Set<String> replaced = new TreeSet<>(packages(t.bundle));
        replaced.retainAll(compiled);
        JarRewrite.Result result = JarRewrite.replaceClasses(t.jar.entries(), replaced, t.module.after());
        Sha256 digest = JarRewrite.classDigest(result.entries());
        String toVersion;
        try {
            toVersion = UpdateVersion.of(t.bundle.version(), digest);
        } catch (IllegalArgumentException e) {
            throw new BuildException(BuildError.BAD_TARGET, "bundle " + t.bundle.symbolicName() + ": " + e.getMessage(), e);
        }
        List<JarRewrite.Entry> entries = new ArrayList<>();
        for (JarRewrite.Entry e : result.entries()) {
            if (!e.name().equals(JarRewrite.MANIFEST)) {
                entries.add(e);
                continue;
            }
            try {
                entries.add(new JarRewrite.Entry(e.name(), ManifestText.withMainHeader(e.bytes(), "Bundle-Version", toVersion)));
            } catch (RuntimeException bad) {
                throw new BuildException(BuildError.BAD_TARGET, "bundle " + t.bundle.symbolicName() + ": the " + JarRewrite.MANIFEST
                        + " of " + t.jar.file() + " cannot be given a new Bundle-Version: " + bad.getMessage(), bad);
            }
        }
        return new BundleUpdate(t.bundle.symbolicName(), t.bundle.version(), toVersion, t.jar.file(),
                result.changed(), result.added(), result.removed(), JarRewrite.write(entries));
    }

    private static Set<String> packages(BuildInfo.Bundle bundle) {
        Set<String> out = new TreeSet<>();
        bundle.classes().forEach(c -> out.add(JarRewrite.packageOf(c.name())));
        return out;
    }

    private static String names(Collection<String> classes) {
        List<String> list = new ArrayList<>(classes);
        return list.size() <= 3 ? String.join(", ", list)
                : String.join(", ", list.subList(0, 3)) + " and " + (list.size() - 3) + " more";
    }

    /** A bundle the change touches: which module's change, which classes, and (once checked) its jar. */
    private static final class Touched {
        final BuildInfo.Bundle bundle;
        final ModuleChange module;
        final Set<String> classes = new TreeSet<>();
        BundleJar jar;

        Touched(BuildInfo.Bundle bundle, ModuleChange module) {
            this.bundle = bundle;
            this.module = module;
        }
    }
}
