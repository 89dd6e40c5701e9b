package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.hotvisor.patch.format.Sha256;

/**
 * One bundle a bundle-update payload replaces (an element of the manifest's {@code bundles}): the
 * host must be running {@code bundle} at {@code fromVersion}, and the payload's jar turns it into
 * {@code toVersion}. Values are checked by {@link ManifestCodec}, not here, so that a bad manifest is
 * reported with its field path.
 *
 * @param bundle      JSON {@code bundle}: the bundle symbolic name
 * @param fromVersion JSON {@code from-version}: the OSGi version the host must be running
 * @param toVersion   JSON {@code to-version}: the OSGi version of the new jar, greater than
 *                    {@code fromVersion}
 * @param newSha256   JSON {@code new-sha256}: SHA-256 of the jar this payload carries
 */
@JsonPropertyOrder({"bundle", "from-version", "to-version", "new-sha256"})
public record BundleEntry(
        @JsonProperty("bundle") String bundle,
        @JsonProperty("from-version") String fromVersion,
        @JsonProperty("to-version") String toVersion,
        @JsonProperty("new-sha256") Sha256 newSha256) {

    /** Folder of the container that holds bundle jars. */
    public static final String BUNDLES_FOLDER = "bundles/";

    /** The name of the ZIP entry holding this bundle's jar: {@code bundles/<bundle>_<to-version>.jar}. */
    public String entryName() {
        return entryName(bundle, toVersion);
    }

    /** The entry name for the jar of a bundle at a version; see {@link #entryName()}. */
    public static String entryName(String bundle, String toVersion) {
        return BUNDLES_FOLDER + bundle + "_" + toVersion + ".jar";
    }
}
