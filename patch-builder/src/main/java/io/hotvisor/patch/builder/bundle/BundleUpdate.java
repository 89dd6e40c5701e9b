package io.hotvisor.patch.builder.bundle;

import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.payload.BundleChange;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One bundle a bundle-update payload replaces, with the jar built for it. Immutable: the jar is
 * copied in and out, and {@link #equals} compares it by content.
 *
 * @param bundle      the bundle symbolic name
 * @param fromVersion the version the host runs (the build-info's)
 * @param toVersion   the new jar's version: {@code fromVersion} with the qualifier extended by
 *                    {@code u} and 8 hex digits of the new classes' digest
 * @param sourceJar   the distribution's jar the new one was made from
 * @param changed     binary names of the classes whose bytes changed, sorted
 * @param added       binary names of the classes only the new jar has, sorted
 * @param removed     binary names of the classes only the old jar has, sorted
 * @param jar         the new jar's bytes
 */
public record BundleUpdate(String bundle, String fromVersion, String toVersion, Path sourceJar,
                           List<String> changed, List<String> added, List<String> removed, byte[] jar) {
    /** Copies the lists and the jar. */
    public BundleUpdate {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(fromVersion, "fromVersion");
        Objects.requireNonNull(toVersion, "toVersion");
        changed = List.copyOf(changed);
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        jar = jar.clone();
    }

    /** A copy of the new jar's bytes. */
    @Override
    public byte[] jar() {
        return jar.clone();
    }

    /** What the payload writer takes. */
    public BundleChange change() {
        return new BundleChange(bundle, fromVersion, toVersion, jar);
    }

    /** The payload entry holding the jar ({@code bundles/<bundle>_<to-version>.jar}). */
    public String entryName() {
        return BundleEntry.entryName(bundle, toVersion);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BundleUpdate that && bundle.equals(that.bundle) && fromVersion.equals(that.fromVersion)
                && toVersion.equals(that.toVersion) && Objects.equals(sourceJar, that.sourceJar) && changed.equals(that.changed)
                && added.equals(that.added) && removed.equals(that.removed) && java.util.Arrays.equals(jar, that.jar);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bundle, fromVersion, toVersion, sourceJar, changed, added, removed) * 31 + java.util.Arrays.hashCode(jar);
    }

    /** {@code io.hotvisor.runtime.sched 0.1.0 -> 0.1.0.u1a2b3c4d (3 classes changed, 0 added, 0 removed)}. */
    @Override
    public String toString() {
        return bundle + " " + fromVersion + " -> " + toVersion + " (" + changed.size() + (changed.size() == 1 ? " class" : " classes")
                + " changed, " + added.size() + " added, " + removed.size() + " removed)";
    }
}
