package io.hotvisor.patch.builder;

import io.hotvisor.patch.builder.bundle.BundleUpdate;
import io.hotvisor.patch.builder.diff.Verdict;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.PayloadKind;
import io.hotvisor.patch.format.manifest.Requirement;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A successful build (or dry run): a livepatch, or a bundle update when the change was more than a
 * JVM can redefine and {@code --allow-bundle-update} was given.
 *
 * @param verdicts       one per class that changed, in name order; refused ones only in a bundle update
 * @param hooks          hooks found in new hooks classes; none in a bundle update
 * @param notes          remarks that did not stop the build
 * @param bundles        the bundles a bundle update replaces, by symbolic name; empty for a livepatch
 * @param payloadBuildId the payload's build-id; {@code null} for a dry run
 * @param output         the payload written; {@code null} for a dry run
 * @param bytes          the payload bytes; {@code null} for a dry run
 * @param requires       what the payload requires of the host (its manifest's {@code requires}): a
 *                       trampoline when a class adds methods; empty otherwise
 */
public record BuildResult(List<Verdict> verdicts, List<Hook> hooks, List<String> notes, List<BundleUpdate> bundles,
                          BuildId payloadBuildId, Path output, byte[] bytes, Set<Requirement> requires) {
    /** Copies the lists. */
    public BuildResult {
        verdicts = List.copyOf(verdicts);
        hooks = List.copyOf(hooks);
        notes = List.copyOf(notes);
        bundles = List.copyOf(bundles);
        requires = requires.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(java.util.EnumSet.copyOf(requires));
    }

    /** A result that requires nothing of the host. */
    public BuildResult(List<Verdict> verdicts, List<Hook> hooks, List<String> notes, List<BundleUpdate> bundles,
                       BuildId payloadBuildId, Path output, byte[] bytes) {
        this(verdicts, hooks, notes, bundles, payloadBuildId, output, bytes, Set.of());
    }

    /** A livepatch's result. */
    public BuildResult(List<Verdict> verdicts, List<Hook> hooks, List<String> notes, BuildId payloadBuildId,
                       Path output, byte[] bytes) {
        this(verdicts, hooks, notes, List.of(), payloadBuildId, output, bytes);
    }

    /** {@link PayloadKind#BUNDLE_UPDATE} when bundles are replaced, else {@link PayloadKind#LIVEPATCH}. */
    public PayloadKind kind() {
        return bundles.isEmpty() ? PayloadKind.LIVEPATCH : PayloadKind.BUNDLE_UPDATE;
    }
}
