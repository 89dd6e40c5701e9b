package io.hotvisor.microcode.load;

import io.hotvisor.microcode.policy.Decision;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * What a late load did: the lines it printed, one result per pCPU and per core, the rules'
 * decisions, the pause guests saw. Immutable.
 *
 * @param lines the report, one line each (format in the module README), as the host also logs it
 * @param cpus one entry per pCPU, in id order
 * @param cores one entry per core: the facts of the per-core-group lines
 * @param featureChanges one entry per core whose features changed
 * @param warnings cautions that did not stop the load (also among {@code lines}), logged at WARNING
 * @param decisions what each rule decided, in rule order (files a directory load skipped first)
 * @param forced whether {@code --force} was given
 * @param unsafe whether Linux's minimum-revision check warned (the load was not known to be safe)
 * @param quiesceNanos from the request until the last pCPU parked
 * @param windowNanos from the last pCPU parking until release
 * @param pauseNanos from the first pCPU parking until release: the longest any guest stood still
 * @param timeoutNanos the rendezvous timeout the load ran with
 * @param attempts how many rendezvous were requested (earlier ones were busy and changed nothing)
 * @param journalSequence the journal record of this load, empty when nothing was journaled
 */
public record LoadResult(List<String> lines, List<CpuResult> cpus, List<CoreResult> cores,
        List<FeatureChange> featureChanges, List<String> warnings, List<Decision> decisions, boolean forced,
        boolean unsafe, long quiesceNanos, long windowNanos, long pauseNanos, long timeoutNanos, int attempts,
        Optional<Long> journalSequence) {

    /** Copies the lists. */
    public LoadResult {
        lines = List.copyOf(lines);
        cpus = List.copyOf(cpus);
        cores = List.copyOf(cores);
        featureChanges = List.copyOf(featureChanges);
        warnings = List.copyOf(warnings);
        decisions = List.copyOf(decisions);
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
     * One core: what its result line says.
     *
     * @param core the core
     * @param firstCpu its first pCPU
     * @param lastCpu its last pCPU
     * @param status what happened
     * @param oldRevision revision before
     * @param newRevision revision after
     * @param targetRevision the revision it was to load (equal to the old one when it had nothing to load)
     * @param date the loaded update's date ({@code YYYY-MM-DD}), empty when nothing was loaded
     * @param detail why it failed, or empty
     */
    public record CoreResult(int core, int firstCpu, int lastCpu, Status status, int oldRevision, int newRevision,
            int targetRevision, String date, String detail) {
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

    /** True when guests stood still longer than the timeout. */
    public boolean pauseExceeded() {
        return pauseNanos > timeoutNanos;
    }
}
