package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * When a hook runs, after Xen's live-patch action hooks. The declaration order is the order of the
 * lifecycle and the canonical order of hooks in a manifest and in the payload build-id.
 */
public enum HookPhase {
    /** Before an apply is scheduled; a failure vetoes the apply. */
    @JsonProperty("pre-apply")
    PRE_APPLY("pre-apply"),
    /** Inside the quiesced window, in place of the default apply action. */
    @JsonProperty("apply")
    APPLY("apply"),
    /** After the CPUs are released; sees the apply's result. */
    @JsonProperty("post-apply")
    POST_APPLY("post-apply"),
    /** Before a revert is scheduled; a failure vetoes the revert. */
    @JsonProperty("pre-revert")
    PRE_REVERT("pre-revert"),
    /** Inside the quiesced window, in place of the default revert action. */
    @JsonProperty("revert")
    REVERT("revert"),
    /** After the CPUs are released; sees the revert's result. */
    @JsonProperty("post-revert")
    POST_REVERT("post-revert");

    private final String jsonName;

    HookPhase(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The JSON spelling. */
    public String jsonName() {
        return jsonName;
    }
}
