package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a payload does as a whole (JSON field {@code kind} of the manifest). Each kind names the
 * format version that defines it: the writer declares that version, and a manifest declaring an
 * older one is refused with {@code UNSUPPORTED_KIND}, as a reader of that older version would.
 * A reader that does not know a kind at all refuses it the same way rather than guessing.
 */
public enum PayloadKind {
    /** Method-body redefinitions, new classes and hooks, applied in one quiesced batch (format 1.0). */
    @JsonProperty("livepatch")
    LIVEPATCH("livepatch", new FormatVersion(1, 0)),
    /**
     * Whole OSGi bundles replaced by new jars, which the patch applier installs with
     * {@code Bundle.update} and state transfer (format 1.1; reserved, and so refused, by 1.0).
     */
    @JsonProperty("bundle-update")
    BUNDLE_UPDATE("bundle-update", new FormatVersion(1, 1));

    private final String jsonName;
    private final FormatVersion formatVersion;

    PayloadKind(String jsonName, FormatVersion formatVersion) {
        this.jsonName = jsonName;
        this.formatVersion = formatVersion;
    }

    /** The JSON spelling. */
    public String jsonName() {
        return jsonName;
    }

    /**
     * The format version that defines this kind: the one the writer declares for it, and the
     * oldest a manifest of this kind may declare.
     */
    public FormatVersion formatVersion() {
        return formatVersion;
    }
}
