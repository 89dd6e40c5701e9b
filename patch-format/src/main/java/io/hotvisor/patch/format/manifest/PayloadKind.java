package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a payload does as a whole (JSON field {@code kind} of the manifest). Only
 * {@link #LIVEPATCH} exists today; a later bundle-level update with state transfer will be a new
 * kind, and a reader that does not know a kind refuses the payload with {@code UNSUPPORTED_KIND}
 * rather than guessing.
 */
public enum PayloadKind {
    /** Method-body redefinitions, new classes and hooks, applied in one quiesced batch. */
    @JsonProperty("livepatch")
    LIVEPATCH("livepatch");

    private final String jsonName;

    PayloadKind(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The JSON spelling. */
    public String jsonName() {
        return jsonName;
    }
}
