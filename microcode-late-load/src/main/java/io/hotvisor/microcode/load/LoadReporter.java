package io.hotvisor.microcode.load;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.MicrocodeUpdate;
import io.hotvisor.microcode.Vendor;
import io.hotvisor.microcode.load.LoadResult.CoreResult;
import io.hotvisor.microcode.load.LoadResult.CpuResult;
import io.hotvisor.microcode.load.LoadResult.FeatureChange;
import io.hotvisor.microcode.load.LoadResult.Status;
import io.hotvisor.microcode.policy.Decision;
import io.hotvisor.stopmachine.StopMachine;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Writes a load's result: reads every pCPU's revision before the load, and afterwards builds the
 * per-core-group lines (the module README's format), the summary, the features re-evaluated and
 * the pause, logs them, and returns them with the same facts as data. One per load.
 */
final class LoadReporter {

    private static final System.Logger LOG = System.getLogger("hotvisor.microcode");

    private final SimulatedCpus cpus;
    private final MicrocodeUpdate[] plan;
    private final int[] before;
    private final List<SortedSet<String>> featuresBefore;

    /** Reads the revisions and features before the load. */
    LoadReporter(SimulatedCpus cpus, MicrocodeUpdate[] plan) {
        this.cpus = cpus;
        this.plan = plan.clone();
        this.before = new int[cpus.pcpus()];
        for (int p = 0; p < before.length; p++) {
            before[p] = cpus.readRevision(p);
        }
        this.featuresBefore = coreFeatures();
    }

    boolean anyUpdated(String[] failures) {
        for (int c = 0; c < plan.length; c++) {
            if (plan[c] != null && failures[c] == null) {
                return true;
            }
        }
        return false;
    }

    LoadResult report(String[] failures, List<String> warnings, List<Decision> decisions, LateLoader.Options options,
            boolean unsafe, LateLoader.Rendezvoused run, Optional<Long> journalSequence) {
        List<String> lines = new ArrayList<>(warnings);
        List<CpuResult> results = new ArrayList<>();
        List<CoreResult> coreResults = new ArrayList<>();
        int updatedCores = 0;
        int updatedSiblings = 0;
        List<Integer> failedCores = new ArrayList<>();
        for (int c = 0; c < cpus.cores(); c++) {
            int primary = cpus.primaryOf(c);
            int old = before[primary];
            Status status = plan[c] == null ? Status.UNCHANGED : failures[c] != null ? Status.FAILED : Status.UPDATED;
            for (int t = 0; t < cpus.threadsPerCore(); t++) {
                int p = primary + t;
                results.add(new CpuResult(p, c, t == 0, status, before[p], cpus.readRevision(p),
                        status == Status.FAILED ? failures[c] : ""));
            }
            coreResults.add(new CoreResult(c, primary, primary + cpus.threadsPerCore() - 1, status, old,
                    cpus.readRevision(primary), plan[c] == null ? old : plan[c].revision(),
                    plan[c] == null ? "" : plan[c].date().toString(), status == Status.FAILED ? failures[c] : ""));
            switch (status) {
                case UPDATED -> {
                    updatedCores++;
                    updatedSiblings += cpus.threadsPerCore() - 1;
                    lines.add(String.format("microcode: %s: updated from revision %s to %s, date = %s", group(c),
                            LateLoader.hex(old), LateLoader.hex(plan[c].revision()), plan[c].date()));
                }
                case FAILED -> {
                    failedCores.add(c);
                    lines.add(String.format("microcode: %s: update to revision %s failed: %s; the core keeps revision %s",
                            group(c), LateLoader.hex(plan[c].revision()), failures[c],
                            LateLoader.hex(cpus.readRevision(primary))));
                }
                case UNCHANGED -> lines.add(String.format("microcode: %s: not updated, running revision %s", group(c),
                        LateLoader.hex(old)));
            }
        }
        List<FeatureChange> changes = featureChanges();
        for (FeatureChange f : changes) {
            lines.add(String.format("microcode: %s: features re-evaluated: %s", group(f.core()), diff(f)));
        }
        if (failedCores.isEmpty()) {
            lines.add(String.format("microcode: load: updated on %d primary CPU%s with %d sibling%s", updatedCores,
                    updatedCores == 1 ? "" : "s", updatedSiblings, updatedSiblings == 1 ? "" : "s"));
        } else {
            lines.add(String.format("microcode: load incomplete: %d of %d cores failed to update (%s); the other cores"
                    + " run their new revision", failedCores.size(), updatedCores + failedCores.size(),
                    failedCores.stream().map(this::group).collect(Collectors.joining(", "))));
        }
        StopMachine.Report r = run.report();
        lines.add(String.format("microcode: guests paused %.3f ms (quiesce %.3f ms, load window %.3f ms)",
                r.pauseNanos() / 1e6, r.quiesceNanos() / 1e6, r.windowNanos() / 1e6));
        for (String line : lines) {
            LOG.log(line.contains("failed") || line.contains("incomplete") ? Level.ERROR
                    : line.startsWith("microcode: warning") ? Level.WARNING : Level.INFO, line);
        }
        return new LoadResult(lines, results, coreResults, changes, warnings, decisions, options.force(), unsafe,
                r.quiesceNanos(), r.windowNanos(), r.pauseNanos(), options.timeout().toNanos(), run.attempts(),
                journalSequence);
    }

    private List<SortedSet<String>> coreFeatures() {
        List<SortedSet<String>> out = new ArrayList<>();
        for (int c = 0; c < cpus.cores(); c++) {
            out.add(cpus.features(cpus.primaryOf(c)));
        }
        return out;
    }

    private List<FeatureChange> featureChanges() {
        List<SortedSet<String>> after = coreFeatures();
        List<FeatureChange> out = new ArrayList<>();
        for (int c = 0; c < after.size(); c++) {
            SortedSet<String> added = new TreeSet<>(after.get(c));
            added.removeAll(featuresBefore.get(c));
            SortedSet<String> removed = new TreeSet<>(featuresBefore.get(c));
            removed.removeAll(after.get(c));
            if (!added.isEmpty() || !removed.isEmpty()) {
                out.add(new FeatureChange(c, added, removed));
            }
        }
        return out;
    }

    private static String diff(FeatureChange f) {
        List<String> parts = new ArrayList<>();
        f.added().forEach(a -> parts.add("+" + a));
        f.removed().forEach(r -> parts.add("-" + r));
        return String.join(" ", parts);
    }

    /** {@code CPUs 0-1 (core 0)}, or {@code CPU 0 (core 0)} for one thread per core. */
    private String group(int core) {
        int first = cpus.primaryOf(core);
        int last = first + cpus.threadsPerCore() - 1;
        return (first == last ? "CPU " + first : "CPUs " + first + "-" + last) + " (core " + core + ")";
    }

    static String describe(CpuIdentity cpu) {
        String s = String.format("%s, signature %s = %02x-%02x-%02x", LateLoader.name(cpu.vendor()), cpu.signature(),
                cpu.signature().family(), cpu.signature().model(), cpu.signature().stepping());
        return cpu.vendor() == Vendor.INTEL
                ? s + String.format(", platform id %d (pf_mask 0x%02x)", cpu.platformId(), cpu.platformMask())
                : s;
    }
}
