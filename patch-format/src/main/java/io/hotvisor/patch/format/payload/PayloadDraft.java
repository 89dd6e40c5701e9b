package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.manifest.PayloadKind;
import io.hotvisor.patch.format.manifest.Requirement;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a payload is made of, before the writer computes its digests and signs it. The order of
 * {@code classes}, {@code hooks} and {@code bundles} does not matter: the writer puts them in
 * canonical order.
 *
 * <p>The draft decides the payload's {@link #kind()}: with bundles it is a bundle-update, which
 * carries nothing else; without, a livepatch of classes and hooks.
 *
 * @param name          the payload name (1-64 characters of {@code [A-Za-z0-9._-]})
 * @param targetBuildId build-id of the host build the payload applies to
 * @param dependsOn     payload build-id of the payload this one stacks on; {@code null} if none
 * @param classes       the classes carried; may be empty when there are hooks; empty for a bundle-update
 * @param hooks         the action hooks; may be empty when there are classes; empty for a bundle-update
 * @param bundles       the bundles a bundle-update replaces; empty for a livepatch
 * @param metadata      descriptive metadata; {@link Metadata#EMPTY} for none
 * @param requires      what a host must have to apply it beyond the format (manifest {@code requires});
 *                      empty for most payloads, which then declare the format version of their kind
 */
public record PayloadDraft(String name, BuildId targetBuildId, BuildId dependsOn, List<ClassChange> classes,
                           List<Hook> hooks, List<BundleChange> bundles, Metadata metadata, Set<Requirement> requires) {

    /**
     * Copies the lists and the set; rejects {@code null} for everything but {@code dependsOn}.
     *
     * @throws IllegalArgumentException if there are bundles and also classes or hooks
     */
    public PayloadDraft {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(targetBuildId, "targetBuildId");
        classes = List.copyOf(classes);
        hooks = List.copyOf(hooks);
        bundles = List.copyOf(bundles);
        Objects.requireNonNull(metadata, "metadata");
        requires = Objects.requireNonNull(requires, "requires").isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(EnumSet.copyOf(requires));
        if (!bundles.isEmpty() && (!classes.isEmpty() || !hooks.isEmpty())) {
            throw new IllegalArgumentException("payload " + name + ": a bundle-update carries only bundles, but "
                    + "this draft also has " + classes.size() + " classes and " + hooks.size()
                    + " hooks; make them separate payloads");
        }
    }

    /** A draft that requires nothing beyond the format. */
    public PayloadDraft(String name, BuildId targetBuildId, BuildId dependsOn, List<ClassChange> classes,
                        List<Hook> hooks, List<BundleChange> bundles, Metadata metadata) {
        this(name, targetBuildId, dependsOn, classes, hooks, bundles, metadata, Set.of());
    }

    /** A livepatch draft: classes and hooks, no bundles. */
    public PayloadDraft(String name, BuildId targetBuildId, BuildId dependsOn, List<ClassChange> classes,
                        List<Hook> hooks, Metadata metadata) {
        this(name, targetBuildId, dependsOn, classes, hooks, List.of(), metadata);
    }

    /** A bundle-update draft: bundles only. */
    public static PayloadDraft bundleUpdate(String name, BuildId targetBuildId, BuildId dependsOn,
                                            List<BundleChange> bundles, Metadata metadata) {
        return new PayloadDraft(name, targetBuildId, dependsOn, List.of(), List.of(), bundles, metadata);
    }

    /** The same draft requiring {@code requirements} (and nothing else) of the host. */
    public PayloadDraft withRequires(Set<Requirement> requirements) {
        return new PayloadDraft(name, targetBuildId, dependsOn, classes, hooks, bundles, metadata, requirements);
    }

    /** {@link PayloadKind#BUNDLE_UPDATE} when the draft has bundles, else {@link PayloadKind#LIVEPATCH}. */
    public PayloadKind kind() {
        return bundles.isEmpty() ? PayloadKind.LIVEPATCH : PayloadKind.BUNDLE_UPDATE;
    }
}
