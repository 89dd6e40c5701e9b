package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.Metadata;

import java.util.List;
import java.util.Objects;

/**
 * What a payload is made of, before the writer computes its digests and signs it. The order of
 * {@code classes} and {@code hooks} does not matter: the writer puts them in canonical order.
 *
 * @param name          the payload name (1-64 characters of {@code [A-Za-z0-9._-]})
 * @param targetBuildId build-id of the host build the payload applies to
 * @param dependsOn     payload build-id of the payload this one stacks on; {@code null} if none
 * @param classes       the classes carried; may be empty when there are hooks
 * @param hooks         the action hooks; may be empty when there are classes
 * @param metadata      descriptive metadata; {@link Metadata#EMPTY} for none
 */
public record PayloadDraft(String name, BuildId targetBuildId, BuildId dependsOn, List<ClassChange> classes,
                           List<Hook> hooks, Metadata metadata) {

    /** Copies the lists; rejects {@code null} for everything but {@code dependsOn}. */
    public PayloadDraft {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(targetBuildId, "targetBuildId");
        classes = List.copyOf(classes);
        hooks = List.copyOf(hooks);
        Objects.requireNonNull(metadata, "metadata");
    }
}
