package io.hotvisor.patch.format.payload;

import java.util.Arrays;
import java.util.Objects;

/**
 * One bundle a bundle-update {@link PayloadDraft} replaces: the host runs {@code bundle} at
 * {@code fromVersion}, and {@code jar} is the bundle at {@code toVersion}. The writer checks the
 * versions and the jar (its {@code META-INF/MANIFEST.MF} must name the same bundle and version).
 *
 * <p>The jar is copied in and out, so an instance is immutable; {@link #equals} and
 * {@link #hashCode} compare the jar by content.
 *
 * @param bundle      the bundle symbolic name
 * @param fromVersion the OSGi version the host must be running
 * @param toVersion   the OSGi version of {@code jar}, greater than {@code fromVersion}
 * @param jar         the new bundle jar's bytes
 */
public record BundleChange(String bundle, String fromVersion, String toVersion, byte[] jar) {

    /** Copies {@code jar}; rejects {@code null} components. */
    public BundleChange {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(fromVersion, "fromVersion");
        Objects.requireNonNull(toVersion, "toVersion");
        jar = Objects.requireNonNull(jar, "jar").clone();
    }

    /** A copy of the jar's bytes. */
    @Override
    public byte[] jar() {
        return jar.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BundleChange that
                && bundle.equals(that.bundle)
                && fromVersion.equals(that.fromVersion)
                && toVersion.equals(that.toVersion)
                && Arrays.equals(jar, that.jar);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bundle, fromVersion, toVersion) * 31 + Arrays.hashCode(jar);
    }

    @Override
    public String toString() {
        return bundle + " " + fromVersion + " -> " + toVersion + " (" + jar.length + " bytes)";
    }
}
