package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One action hook (an element of the manifest's {@code hooks}): a static method that the
 * patch applier calls at {@code phase}. The class is looked up in {@code bundle}; it may be one the
 * payload defines. A manifest holds at most one hook per phase. The method's signature is the
 * patch applier's contract, not the format's.
 *
 * @param phase     JSON {@code phase}
 * @param bundle    JSON {@code bundle}: symbolic name of the bundle whose class loader holds the class
 * @param className JSON {@code class}: binary class name
 * @param method    JSON {@code method}: method name (a Java identifier)
 */
@JsonPropertyOrder({"phase", "bundle", "class", "method"})
public record Hook(
        @JsonProperty("phase") HookPhase phase,
        @JsonProperty("bundle") String bundle,
        @JsonProperty("class") String className,
        @JsonProperty("method") String method) {
}
