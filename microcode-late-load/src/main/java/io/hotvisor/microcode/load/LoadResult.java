package io.hotvisor.microcode.load;

import java.util.List;
import java.util.SortedSet;

/**
 * What a late load did: the lines it printed, one result per pCPU, the pause guests saw. Immutable.
 *
 * @param lines the report, one line each (format in the module README), as the host also logs it
 * @param cpus one entry per pCPU, in id order
 * @param featureChanges one entry per core whose features changed
 * @param warnings cautions that did not stop the load (also among {@code lines})
 * @param quiesceNanos from the request until the last pCPU parked
 * @param windowNanos from the last pCPU parking until release
 * @param pauseNanos from the first pCPU parking until release: the longest any guest stood still
 * @param attempts how many rendezvous were requested (earlier ones were busy and changed nothing)
 */
public record LoadResult(List<String> lines, List<CpuResult> cpus, List<FeatureChange> featureChanges,
        List<String> warnings, long quiesceNanos, long windowNanos, long pauseNanos, int attempts) {

    /** Copies the lists. */
    public LoadResult {
        lines = List.copyOf(lines);
        cpus = List.copyOf(cpus);
        featureChanges = List.copyOf(featureChanges);
        warnings = List.copyOf(warnings);
    }

    /** What happened to one pCPU. */
    public enum Status {
        /** Its core took the update. */
        UPDATED,
        /** Its core was to load and did not: it keeps its old revision. */
        FAILED,
        /** Its core had nothing to load (already up to date, or no update for it). */
        UNCHANGED
    }

    /**
     * One pCPU.
     *
     * @param cpu pCPU id
     * @param core its core
     * @param primary whether it is the core's first thread, the one that loaded
     * @param status what happened
     * @param oldRevision revision before
     * @param newRevision revision after, as read back
     * @param detail why it failed, or empty
     */
    public record CpuResult(int cpu, int core, boolean primary, Status status, int oldRevision, int newRevision,
            String detail) {
    }

    /**
     * Features of a core that the new revision added or removed.
     *
     * @param core the core
     * @param added features it has now and did not have
     * @param removed features it had and has no more
     */
    public record FeatureChange(int core, SortedSet<String> added, SortedSet<String> removed) {
    }

    /** True when no core failed. */
    public boolean complete() {
        return cpus.stream().noneMatch(c -> c.status() == Status.FAILED);
    }
}
