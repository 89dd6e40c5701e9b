package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Something a host must have, beyond reading the format, to apply a payload (JSON array
 * {@code requires} of the manifest, README "Top level"). A payload lists one only when it needs it,
 * so a payload without the field applies on every host of its format major version.
 *
 * <p>Unlike an unknown field, an unknown requirement is never ignored: a reader that does not know
 * one cannot provide it, so it refuses the manifest under every minor version.
 */
public enum Requirement {
    /**
     * The payload adds methods (private or static methods, new lambda bodies) that only a host
     * applying payloads by trampoline carries: {@code livepatch-mechanism = trampoline} in its
     * {@code host.cfg}. {@code RedefineClasses} refuses added methods (format 1.2).
     */
    @JsonProperty("trampoline")
    TRAMPOLINE("trampoline", new FormatVersion(1, 2));

    private final String jsonName;
    private final FormatVersion formatVersion;

    Requirement(String jsonName, FormatVersion formatVersion) {
        this.jsonName = jsonName;
        this.formatVersion = formatVersion;
    }

    /** The JSON spelling. */
    public String jsonName() {
        return jsonName;
    }

    /** The format version that defines this requirement: a manifest listing it declares at least this one. */
    public FormatVersion formatVersion() {
        return formatVersion;
    }
}
