package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * What a payload says about itself, for operators and audits (the manifest's {@code metadata}).
 * Every field is optional ({@code null} = absent); none of them affects what the payload does, so
 * none is part of the payload build-id, but all are covered by the signature.
 *
 * @param description      JSON {@code description}: what the fix does; may contain line breaks
 * @param author           JSON {@code author}
 * @param sourceRepository JSON {@code source-repository}: where the source came from (URL or path)
 * @param baseRevision     JSON {@code base-revision}: the revision the host was built from
 * @param headRevision     JSON {@code head-revision}: the revision with the fix
 * @param buildTool        JSON {@code build-tool}: name and version of the tool that built the payload
 * @param compilerVersion  JSON {@code compiler-version}: the javac that compiled both trees
 * @param compilerFlags    JSON {@code compiler-flags}: its flags, in order; empty list when absent
 * @param created          JSON {@code created}: UTC creation time, {@code YYYY-MM-DDTHH:MM:SSZ}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"description", "author", "source-repository", "base-revision", "head-revision",
        "build-tool", "compiler-version", "compiler-flags", "created"})
public record Metadata(
        @JsonProperty("description") String description,
        @JsonProperty("author") String author,
        @JsonProperty("source-repository") String sourceRepository,
        @JsonProperty("base-revision") String baseRevision,
        @JsonProperty("head-revision") String headRevision,
        @JsonProperty("build-tool") String buildTool,
        @JsonProperty("compiler-version") String compilerVersion,
        @JsonProperty("compiler-flags") List<String> compilerFlags,
        @JsonProperty("created") String created) {

    /** No metadata at all. */
    public static final Metadata EMPTY = new Metadata(null, null, null, null, null, null, null, List.of(), null);

    /** Makes a missing flag list empty and the list immutable. */
    public Metadata {
        // Not List.copyOf: it throws on a null element, which validation reports by field instead.
        compilerFlags = compilerFlags == null ? List.of()
                : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(compilerFlags));
    }
}
