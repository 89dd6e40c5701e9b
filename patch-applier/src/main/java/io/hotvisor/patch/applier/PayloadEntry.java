package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.manifest.HookPhase;
import io.hotvisor.patch.format.payload.Payload;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** One row of the payload table; mutated only by the thread holding the agent's action permit. */
final class PayloadEntry {
    final String name;
    final Payload payload;
    final Path file;
    volatile PayloadState state = PayloadState.CHECKED;
    volatile Instant appliedAt;
    volatile String lastError;
    /** For an applied bundle update: the jar the host ran before it, for the revert. */
    byte[] bundleBefore;
    /** While applied: the changes its apply made, to be undone by its revert. */
    List<Change> applied = List.of();
    /** New classes this payload defined (they stay loaded whatever happens to it). */
    final Set<ClassKey> definedHere = new LinkedHashSet<>();

    PayloadEntry(String name, Payload payload, Path file) {
        this.name = name;
        this.payload = payload;
        this.file = file;
    }

    boolean hasPreOrPostHooks() {
        return payload.manifest().hooks().stream().anyMatch(h -> h.phase() == HookPhase.PRE_APPLY
                || h.phase() == HookPhase.POST_APPLY || h.phase() == HookPhase.PRE_REVERT
                || h.phase() == HookPhase.POST_REVERT);
    }

    List<String> strandedClasses() {
        if (state == PayloadState.APPLIED) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (ClassKey k : definedHere) {
            out.add(k.toString());
        }
        return out;
    }

    /** One class's move from {@code from} to {@code to} bytes. */
    record Change(ClassKey key, Class<?> type, byte[] from, byte[] to) {
        Change reversed() {
            return new Change(key, type, to, from);
        }
    }
}
