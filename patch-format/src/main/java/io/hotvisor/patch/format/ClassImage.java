package io.hotvisor.patch.format;

import java.util.Arrays;
import java.util.Objects;

/**
 * One class as a build-id sees it: the OSGi bundle that holds it, that bundle's version, the
 * class's binary name ({@link Class#getName()} form: {@code io.hotvisor.runtime.sched.Credit2$Entry})
 * and its class-file bytes.
 *
 * <p>The byte array is copied in and out, so an instance is immutable; {@link #equals} and
 * {@link #hashCode} compare the bytes by content.
 *
 * @param bundle        the bundle symbolic name
 * @param bundleVersion the bundle version, as written in its manifest
 * @param className     the binary class name
 * @param bytes         the class-file bytes
 */
public record ClassImage(String bundle, String bundleVersion, String className, byte[] bytes) {

    /** Copies {@code bytes}; rejects {@code null} components. */
    public ClassImage {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(bundleVersion, "bundleVersion");
        Objects.requireNonNull(className, "className");
        bytes = Objects.requireNonNull(bytes, "bytes").clone();
    }

    /** A copy of the class-file bytes. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The bytes without copying, for hashing inside this package. */
    byte[] bytesUnsafe() {
        return bytes;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClassImage that
                && bundle.equals(that.bundle)
                && bundleVersion.equals(that.bundleVersion)
                && className.equals(that.className)
                && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bundle, bundleVersion, className) * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return bundle + ";" + bundleVersion + ":" + className + " (" + bytes.length + " bytes)";
    }
}
