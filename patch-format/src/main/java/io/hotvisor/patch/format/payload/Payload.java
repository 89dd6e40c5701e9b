package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.Manifest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A payload read into memory by {@link PayloadReader}: its manifest and the bytes of every class
 * and bundle jar it carries, already checked against everything the README requires. Immutable and
 * thread-safe; byte arrays are copied out.
 *
 * <p>{@link #signatureVerified()} tells whether the signature was checked against a trust store
 * ({@link PayloadReader#verify}) or only its presence and form ({@link PayloadReader#inspect}). Only
 * a verified payload may be applied.
 */
public final class Payload {
    private final Manifest manifest;
    private final Map<String, byte[]> classBytes;
    private final Map<String, byte[]> bundleBytes;
    private final Sha256 digest;
    private final boolean signatureVerified;

    Payload(Manifest manifest, Map<String, byte[]> classBytes, Map<String, byte[]> bundleBytes, Sha256 digest,
            boolean signatureVerified) {
        this.manifest = manifest;
        this.classBytes = Map.copyOf(classBytes);
        this.bundleBytes = Map.copyOf(bundleBytes);
        this.digest = digest;
        this.signatureVerified = signatureVerified;
    }

    /** The validated manifest. */
    public Manifest manifest() {
        return manifest;
    }

    /**
     * A copy of the bytes of one of this payload's classes.
     *
     * @throws IllegalArgumentException if the entry is not one of {@code manifest().classes()}
     */
    public byte[] classBytes(ClassEntry entry) {
        byte[] bytes = classBytes.get(entry.entryName());
        if (bytes == null || !manifest.classes().contains(entry)) {
            throw new IllegalArgumentException("class " + entry.className() + " is not in payload " + manifest.name());
        }
        return bytes.clone();
    }

    /**
     * A copy of the jar of one of this payload's bundles.
     *
     * @throws IllegalArgumentException if the entry is not one of {@code manifest().bundles()}
     */
    public byte[] bundleBytes(BundleEntry entry) {
        byte[] bytes = bundleBytes.get(entry.entryName());
        if (bytes == null || !manifest.bundles().contains(entry)) {
            throw new IllegalArgumentException("bundle " + entry.bundle() + " is not in payload " + manifest.name());
        }
        return bytes.clone();
    }

    /** The carried classes as images (bundle, version, name, bytes), in manifest order. */
    public List<ClassImage> classImages() {
        List<ClassImage> images = new ArrayList<>(manifest.classes().size());
        for (ClassEntry entry : manifest.classes()) {
            images.add(new ClassImage(entry.bundle(), entry.bundleVersion(), entry.className(),
                    classBytes.get(entry.entryName())));
        }
        return images;
    }

    /** The canonical digest the signature covers (README, "Canonical digest"). */
    public Sha256 digest() {
        return digest;
    }

    /** Whether the signature was verified against a trust store, rather than only inspected. */
    public boolean signatureVerified() {
        return signatureVerified;
    }

    @Override
    public String toString() {
        return "Payload[" + manifest.name() + " " + manifest.payloadBuildId() + (signatureVerified ? ", verified" : ", not verified") + "]";
    }
}
