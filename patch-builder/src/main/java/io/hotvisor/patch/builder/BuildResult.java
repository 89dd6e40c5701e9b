package io.hotvisor.patch.builder;

import io.hotvisor.patch.builder.diff.Verdict;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.manifest.Hook;
import java.nio.file.Path;
import java.util.List;

/**
 * A successful build (or dry run).
 *
 * @param verdicts       one per class that changed, in name order (none refused)
 * @param hooks          hooks found in new hooks classes
 * @param notes          remarks that did not stop the build
 * @param payloadBuildId the payload's build-id; {@code null} for a dry run
 * @param output         the payload written; {@code null} for a dry run
 * @param bytes          the payload bytes; {@code null} for a dry run
 */
public record BuildResult(List<Verdict> verdicts, List<Hook> hooks, List<String> notes, BuildId payloadBuildId,
                          Path output, byte[] bytes) {
    /** Copies the lists. */
    public BuildResult {
        verdicts = List.copyOf(verdicts);
        hooks = List.copyOf(hooks);
        notes = List.copyOf(notes);
    }
}
