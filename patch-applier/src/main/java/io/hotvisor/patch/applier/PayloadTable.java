package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.HookPhase;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.PayloadKind;
import io.hotvisor.patch.format.payload.Payload;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The uploaded payloads and the applied stack: the one place a payload's state changes.
 *
 * <p>Each transition of Xen's livepatch state table is one method here, as Xen keeps them in its
 * {@code apply_payload_tail} and {@code revert_payload_tail}: {@link #applied}, {@link #reverted},
 * {@link #replaced} (and the bundle-update forms), plus the bookkeeping that is not a state change
 * but must be seen consistently with one ({@link #failed}, {@link #defined}). {@link Entry}'s
 * fields are private to this class, so no other class can change them.
 *
 * <p>Thread-safe: every method holds the table's monitor, so a listing ({@link #listing}) is a
 * consistent, immutable snapshot even while an action changes the table. Which action may change
 * it is decided elsewhere (the action permit); the table only guarantees that every change and
 * every read is whole.
 */
final class PayloadTable {
    /** One uploaded payload; read by everyone, changed only by its {@link PayloadTable}. */
    static final class Entry {
        private final String name;
        private final Payload payload;
        private final Path file;
        private PayloadState state = PayloadState.CHECKED;
        private Instant appliedAt;
        /** How it was applied ({@link ActionReport#mechanism}), while it is; otherwise null. */
        private String mechanism;
        private String lastError;
        /** For an applied bundle update: the jar the host ran before it, for the revert. */
        private byte[] bundleBefore;
        /** While applied: the changes its apply made, to be undone by its revert. */
        private List<Redefinition> applied = List.of();
        /** New classes this payload defined (they stay loaded whatever happens to it). */
        private final Set<ClassKey> definedHere = new LinkedHashSet<>();

        private Entry(String name, Payload payload, Path file) {
            this.name = name;
            this.payload = payload;
            this.file = file;
        }

        String name() {
            return name;
        }

        Payload payload() {
            return payload;
        }

        Manifest manifest() {
            return payload.manifest();
        }

        Path file() {
            return file;
        }

        boolean isBundleUpdate() {
            return payload.manifest().kind() == PayloadKind.BUNDLE_UPDATE;
        }

        boolean hasPreOrPostHooks() {
            return payload.manifest().hooks().stream().anyMatch(h -> h.phase() == HookPhase.PRE_APPLY
                    || h.phase() == HookPhase.POST_APPLY || h.phase() == HookPhase.PRE_REVERT
                    || h.phase() == HookPhase.POST_REVERT);
        }
    }

    private final LinkedHashMap<String, Entry> byName = new LinkedHashMap<>();
    /** Bottom first. */
    private final List<Entry> stack = new ArrayList<>();
    private long version;

    // ------------------------------------------------------------------------------------------
    // Reads

    synchronized Entry get(String name) {
        return byName.get(name);
    }

    synchronized Entry byBuildId(BuildId id) {
        for (Entry e : byName.values()) {
            if (e.payload.manifest().payloadBuildId().equals(id)) {
                return e;
            }
        }
        return null;
    }

    synchronized boolean isEmpty() {
        return byName.isEmpty();
    }

    synchronized int size() {
        return byName.size();
    }

    synchronized PayloadState state(Entry e) {
        return e.state;
    }

    synchronized Entry top() {
        return stack.isEmpty() ? null : stack.get(stack.size() - 1);
    }

    /** The applied stack now, bottom first. */
    synchronized List<Entry> stack() {
        return List.copyOf(stack);
    }

    synchronized boolean stackHasBundleUpdate() {
        return stack.stream().anyMatch(Entry::isBundleUpdate);
    }

    /** What {@code e}'s apply changed, for its revert. */
    synchronized List<Redefinition> appliedChanges(Entry e) {
        return e.applied;
    }

    /** The jar an applied bundle update replaced. */
    synchronized byte[] bundleBefore(Entry e) {
        return e.bundleBefore;
    }

    synchronized boolean definedAny(Entry e) {
        return !e.definedHere.isEmpty();
    }

    synchronized List<String> strandedClasses(Entry e) {
        return stranded(e);
    }

    /** The table at this moment; never sees an action half done. */
    synchronized Listing listing(String inProgress, String watching, String degraded) {
        List<PayloadStatus> rows = new ArrayList<>();
        for (Entry e : byName.values()) {
            rows.add(status(e));
        }
        List<String> applied = new ArrayList<>();
        for (Entry e : stack) {
            applied.add(e.name);
        }
        return new Listing(version, inProgress, rows, applied, watching, degraded);
    }

    synchronized Optional<PayloadStatus> status(String name) {
        Entry e = byName.get(name);
        return e == null ? Optional.empty() : Optional.of(status(e));
    }

    synchronized PayloadStatus status(Entry e) {
        Manifest m = e.payload.manifest();
        List<String> classes = new ArrayList<>();
        for (ClassEntry c : m.classes()) {
            classes.add(c.bundle() + ":" + c.className() + " (" + c.kind().jsonName() + ")");
        }
        return new PayloadStatus(e.name, e.state, m.payloadBuildId(), m.targetBuildId(), m.dependsOn(), e.appliedAt,
                e.mechanism, e.lastError, m.metadata(), classes, stranded(e));
    }

    private List<String> stranded(Entry e) {
        if (e.state == PayloadState.APPLIED) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (ClassKey k : e.definedHere) {
            out.add(k.toString());
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Transitions

    /** Upload: a new CHECKED payload. */
    synchronized Entry uploaded(String name, Payload payload, Path file) {
        Entry e = new Entry(name, payload, file);
        byName.put(name, e);
        version++;
        return e;
    }

    /** Unload: a CHECKED payload leaves the table. */
    synchronized void unloaded(Entry e) {
        requireState(e, PayloadState.CHECKED);
        byName.remove(e.name);
        version++;
    }

    /**
     * CHECKED to APPLIED by redefinition or trampolines ({@code mechanism}): pushed on the stack with
     * the changes its revert undoes.
     */
    synchronized void applied(Entry e, List<Redefinition> changes, Instant at, String mechanism) {
        requireState(e, PayloadState.CHECKED);
        e.applied = List.copyOf(changes);
        push(e, at, mechanism);
    }

    /** CHECKED to APPLIED by a bundle update: pushed with the jar its revert puts back. */
    synchronized void bundleApplied(Entry e, byte[] previousJar, Instant at) {
        requireState(e, PayloadState.CHECKED);
        e.bundleBefore = previousJar;
        push(e, at, ActionReport.BUNDLE_UPDATE);
    }

    private void push(Entry e, Instant at, String mechanism) {
        e.state = PayloadState.APPLIED;
        e.appliedAt = at;
        e.mechanism = mechanism;
        e.lastError = null;
        stack.add(e);
    }

    /**
     * APPLIED to CHECKED: popped from the stack.
     *
     * @param errorAfter the reason recorded with the new state (an automatic revert's), or null
     */
    synchronized void reverted(Entry e, String errorAfter) {
        requireState(e, PayloadState.APPLIED);
        e.applied = List.of();
        e.bundleBefore = null;
        e.state = PayloadState.CHECKED;
        e.appliedAt = null;
        e.mechanism = null;
        e.lastError = errorAfter;
        stack.remove(e);
    }

    /**
     * Replace: every payload of the stack to CHECKED and {@code e} the whole stack, in one step.
     *
     * @return the names of the payloads it reverted, bottom first
     */
    synchronized List<String> replaced(Entry e, List<Redefinition> changes, Instant at, String mechanism) {
        requireState(e, PayloadState.CHECKED);
        List<String> reverted = new ArrayList<>();
        for (Entry old : stack) {
            old.applied = List.of();
            old.state = PayloadState.CHECKED;
            old.appliedAt = null;
            old.mechanism = null;
            reverted.add(old.name);
        }
        stack.clear();
        e.applied = List.copyOf(changes);
        push(e, at, mechanism);
        return reverted;
    }

    /** An action on {@code e} failed: the reason is shown with its (unchanged) state. */
    synchronized void failed(Entry e, String error) {
        e.lastError = error;
    }

    /** {@code e} defined a new class; it stays loaded whatever happens to {@code e}. */
    synchronized void defined(Entry e, ClassKey key) {
        e.definedHere.add(key);
    }

    /** A transition from the wrong state is a bug of the caller, which checks states first. */
    private static void requireState(Entry e, PayloadState expected) {
        if (e.state != expected) {
            throw new IllegalStateException(e.name + " is " + e.state + ", not " + expected);
        }
    }
}
