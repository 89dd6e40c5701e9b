package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.manifest.Metadata;

import java.time.Instant;
import java.util.List;

/**
 * One row of {@code hvctl livepatch list}.
 *
 * @param name            the payload name
 * @param state           CHECKED or APPLIED
 * @param payloadBuildId  the payload build-id
 * @param targetBuildId   the host build-id it targets
 * @param dependsOn       the payload build-id it stacks on; {@code null} when it applies on the host build
 * @param appliedAt       when it was applied, while it is; {@code null} when it is not applied
 * @param mechanism       how it was applied ({@link ActionReport#mechanism}), while it is; {@code null}
 *                        when it is not applied
 * @param lastError       the last action's failure on it ("CODE: message"), or {@code null}
 * @param metadata        the manifest's metadata
 * @param classes         the classes it carries ({@code bundle:class}, kind)
 * @param strandedClasses new classes it defined that stay loaded though it is not applied: the JVM
 *                        cannot undefine a class, so after a revert they are loaded but unreachable
 */
public record PayloadStatus(String name, PayloadState state, BuildId payloadBuildId, BuildId targetBuildId,
                            BuildId dependsOn, Instant appliedAt, String mechanism, String lastError, Metadata metadata,
                            List<String> classes, List<String> strandedClasses) {
    public PayloadStatus {
        classes = List.copyOf(classes);
        strandedClasses = List.copyOf(strandedClasses);
    }
}
