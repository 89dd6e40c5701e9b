package io.hotvisor.patch.format;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A build-id: the SHA-256 that names one build of code. A running host's build-id is
 * {@link #compute(Collection)} over its hypervisor classes; the patch builder computes the same
 * function over the tree it compiled, and a payload names the build-id it targets. A payload's own
 * build-id is defined in the README ("Payload build-id") and computed by the payload package.
 *
 * <p>{@link #compute} is specified in {@code patch-format/README.md} ("Build-id") so that another
 * tool can recompute it byte for byte:
 * <pre>
 * SHA-256( tag "hotvisor-build-id-v1", u32 count,
 *          for each class in (bundle, bundle version, class name) order:
 *              str bundle, str bundle version, str binary class name, bytes class file )
 * </pre>
 * with the strings compared as unsigned UTF-8 bytes.
 *
 * @param sha256 the digest this build-id is
 */
public record BuildId(Sha256 sha256) {
    static final String TAG = "hotvisor-build-id-v1";

    /** Compares keys as unsigned UTF-8 byte strings, so the order does not depend on the JVM's collation. */
    private static final Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    /** The order of {@link #compute}: bundle, then bundle version, then class name. */
    public static final Comparator<ClassImage> ORDER = Comparator
            .comparing(ClassImage::bundle, UTF8_ORDER)
            .thenComparing(ClassImage::bundleVersion, UTF8_ORDER)
            .thenComparing(ClassImage::className, UTF8_ORDER);

    /** Rejects a {@code null} digest. */
    public BuildId {
        Objects.requireNonNull(sha256, "sha256");
    }

    /**
     * Computes the build-id of a set of classes. The iteration order of {@code classes} does not
     * matter.
     *
     * @throws IllegalArgumentException if two classes share bundle, bundle version and class name
     */
    public static BuildId compute(Collection<ClassImage> classes) {
        List<ClassImage> sorted = new ArrayList<>(classes);
        sorted.sort(ORDER);
        CanonicalHash hash = new CanonicalHash(TAG).u32(sorted.size());
        ClassImage previous = null;
        for (ClassImage image : sorted) {
            if (previous != null && ORDER.compare(previous, image) == 0) {
                throw new IllegalArgumentException("class " + image.className() + " of bundle "
                        + image.bundle() + " " + image.bundleVersion() + " given twice");
            }
            hash.str(image.bundle()).str(image.bundleVersion()).str(image.className())
                    .bytes(image.bytesUnsafe());
            previous = image;
        }
        return new BuildId(hash.finish());
    }

    /**
     * Parses the 64-hex-digit form.
     *
     * @throws IllegalArgumentException if {@code hex} is not 64 lowercase hex digits
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static BuildId parse(String hex) {
        try {
            return new BuildId(new Sha256(hex));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a build-id (64 lowercase hex digits): '"
                    + Sha256.abbreviate(String.valueOf(hex)) + "'");
        }
    }

    /** The 64 lowercase hex digits; also the JSON form. */
    @JsonValue
    public String hex() {
        return sha256.hex();
    }

    @Override
    public String toString() {
        return sha256.hex();
    }
}
