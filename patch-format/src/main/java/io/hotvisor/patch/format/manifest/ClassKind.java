package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a payload does with one class (JSON field {@code kind} of a class entry).
 */
public enum ClassKind {
    /**
     * Replace the bytes of a class the host already runs; the entry must carry the SHA-256 of the
     * bytes it expects to find running ({@code expected-sha256}).
     */
    @JsonProperty("redefine")
    REDEFINE("redefine"),
    /** Define a class the host does not have yet; there are no expected bytes. */
    @JsonProperty("define")
    DEFINE("define");

    private final String jsonName;

    ClassKind(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The JSON spelling. */
    public String jsonName() {
        return jsonName;
    }
}
