package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.hotvisor.patch.format.Sha256;

/**
 * One class a payload carries (an element of the manifest's {@code classes}). Values are checked
 * by {@link ManifestCodec}, not here, so that a bad manifest is reported with its field path.
 *
 * @param bundle         JSON {@code bundle}: symbolic name of the OSGi bundle the class belongs to
 * @param bundleVersion  JSON {@code bundle-version}: that bundle's version
 * @param className      JSON {@code class}: binary class name ({@code a.b.Outer$Inner})
 * @param kind           JSON {@code kind}: redefine or define
 * @param expectedSha256 JSON {@code expected-sha256}: SHA-256 of the running bytes a redefine
 *                       expects; {@code null} (absent) for define
 * @param newSha256      JSON {@code new-sha256}: SHA-256 of the class file this payload carries
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"bundle", "bundle-version", "class", "kind", "expected-sha256", "new-sha256"})
public record ClassEntry(
        @JsonProperty("bundle") String bundle,
        @JsonProperty("bundle-version") String bundleVersion,
        @JsonProperty("class") String className,
        @JsonProperty("kind") ClassKind kind,
        @JsonProperty("expected-sha256") Sha256 expectedSha256,
        @JsonProperty("new-sha256") Sha256 newSha256) {

    /** Folder of the container that holds class entries. */
    public static final String CLASSES_FOLDER = "classes/";

    /**
     * The name of the ZIP entry holding this class's bytes:
     * {@code classes/<bundle>/<binary name with '.' replaced by '/'>.class}.
     */
    public String entryName() {
        return entryName(bundle, className);
    }

    /** The entry name for a class of a bundle; see {@link #entryName()}. */
    public static String entryName(String bundle, String className) {
        return CLASSES_FOLDER + bundle + "/" + className.replace('.', '/') + ".class";
    }
}
