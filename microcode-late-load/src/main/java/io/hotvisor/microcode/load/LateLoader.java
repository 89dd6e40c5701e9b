package io.hotvisor.microcode.load;

import io.hotvisor.stopmachine.StopMachine;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.MicrocodeFile;
import io.hotvisor.microcode.MicrocodeFiles;
import io.hotvisor.microcode.MicrocodeFormatException;
import io.hotvisor.microcode.MicrocodeSelector;
import io.hotvisor.microcode.MicrocodeSelector.Outcome;
import io.hotvisor.microcode.MicrocodeSelector.Selection;
import io.hotvisor.microcode.MicrocodeUpdate;
import io.hotvisor.microcode.ParseMode;
import io.hotvisor.microcode.Vendor;
import io.hotvisor.microcode.intel.IntelMicrocodeUpdate;
import io.hotvisor.microcode.load.LoadResult.CpuResult;
import io.hotvisor.microcode.load.LoadResult.FeatureChange;
import io.hotvisor.microcode.load.LoadResult.Status;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Loads microcode into the running host's pCPUs, as Xen 4.13's {@code microcode_update} does:
 * parse and check every file (Linux's rules), select per core the newest matching update
 * ({@link MicrocodeSelector}), refuse before touching anything when none matches, when it is not
 * newer than the running revision (unless forced) or when a file is damaged; then one stop-machine
 * in which each core's first thread writes the update trigger MSR and reads the revision back while
 * its siblings stay parked; afterwards every pCPU's revision is read again.
 *
 * <p>A core whose CPU does not take the update keeps its old revision and is reported; the other
 * cores keep their new one (each core is consistent in itself; the host as a whole is then mixed, an
 * error Xen reports too). After the load the features of every core are re-read
 * ({@link RevisionEffects}) and what changed is logged, as Xen re-evaluates its speculative
 * mitigations.
 *
 * <p>Thread-safe: loads are serialised.
 */
public final class LateLoader {

    private static final System.Logger LOG = System.getLogger("hotvisor.microcode");

    /** How often a busy rendezvous is asked again, as kpatch's CLI retries a busy transition. */
    public static final int DEFAULT_ATTEMPTS = 5;

    /** One microcode file as the operator handed it: its name (shown in messages) and bytes. */
    public record Input(String name, byte[] data) {
        public Input {
            Objects.requireNonNull(name, "name");
            data = data.clone();
        }
    }

    /**
     * How to load.
     *
     * @param force load the newest matching update even when it is not newer (Xen's and Linux's
     *     force), and despite a minimum-revision refusal
     * @param timeout how long the pCPUs get to park
     * @param attempts how many rendezvous to try when they are busy (at least 1)
     */
    public record Options(boolean force, Duration timeout, int attempts) {
        public Options {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
            }
        }

        /** Not forced, 30 ms, 5 attempts. */
        public static Options defaults() {
            return new Options(false, StopMachine.DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS);
        }
    }

    private final SimulatedCpus cpus;
    private final StopMachine stopMachine;

    public LateLoader(SimulatedCpus cpus, StopMachine stopMachine) {
        this.cpus = Objects.requireNonNull(cpus, "cpus");
        this.stopMachine = Objects.requireNonNull(stopMachine, "stopMachine");
    }

    /** The CPUs this loader updates. */
    public SimulatedCpus cpus() {
        return cpus;
    }

    /**
     * Loads the best update in {@code files} into every core that needs it.
     *
     * @return what was loaded, per pCPU; {@link LoadResult#complete()} is false when a core failed
     * @throws LateLoadException when refused; nothing was loaded
     */
    public synchronized LoadResult load(List<Input> files, Options options) throws LateLoadException {
        List<MicrocodeFile> parsed = parse(files);
        List<MicrocodeUpdate> updates = parsed.stream().flatMap(f -> f.updates().stream()).toList();
        String what = describe(files);
        int cores = cpus.cores();
        Selection[] selections = new Selection[cores];
        MicrocodeUpdate[] plan = new MicrocodeUpdate[cores];
        for (int c = 0; c < cores; c++) {
            selections[c] = MicrocodeSelector.select(cpus.identity(cpus.primaryOf(c)), updates);
        }
        refuseUnlessLoadable(parsed, what, selections, options.force());
        List<String> warnings = new ArrayList<>();
        for (int c = 0; c < cores; c++) {
            Selection s = selections[c];
            boolean take = s.outcome() == Outcome.NEWER || (options.force() && s.outcome() == Outcome.NOT_NEWER);
            plan[c] = take ? s.newestMatching().orElseThrow() : null;
        }
        checkMinimumRevision(plan, options.force(), warnings);
        if (options.force() && selections[0].outcome() == Outcome.NOT_NEWER) {
            warnings.add("microcode: warning: forced: loading revision " + hex(plan[0].revision())
                    + " over running revision " + hex(selections[0].cpu().revision()));
        }

        List<SortedSet<String>> featuresBefore = coreFeatures();
        int[] before = new int[cpus.pcpus()];
        for (int p = 0; p < before.length; p++) {
            before[p] = cpus.readRevision(p);
        }
        String[] failures = new String[cores];
        StopMachine.Report report = null;
        int attempt = 0;
        while (report == null) {
            attempt++;
            try {
                report = stopMachine.runPerCore(core -> loadCore(core, plan[core], failures), options.timeout());
            } catch (StopMachine.BusyException e) {
                LOG.log(Level.INFO, "microcode: rendezvous attempt {0} of {1} busy: {2}", attempt, options.attempts(),
                        e.getMessage());
                if (attempt >= options.attempts()) {
                    throw new LateLoadException(LateLoadException.Code.BUSY, "busy: " + e.getMessage() + " (after "
                            + attempt + " attempt" + (attempt == 1 ? "" : "s") + "); nothing loaded, retry later", e);
                }
            } catch (Exception e) {
                // loadCore catches everything it can; anything else is a fault of the stop-machine itself.
                throw new IllegalStateException("the stop-machine failed: " + e, e);
            }
        }
        return report(plan, before, failures, featuresBefore, warnings, report, attempt);
    }

    /** The per-core action: runs on the core's first thread with every pCPU parked. */
    private void loadCore(int core, MicrocodeUpdate update, String[] failures) {
        if (update == null) {
            return;
        }
        int primary = cpus.primaryOf(core);
        try {
            cpus.writeUpdateTrigger(primary, cpus.updateTrigger(), update);
            int now = cpus.readRevision(primary);
            if (now != update.revision()) {
                failures[core] = "revision reads back " + hex(now) + ", expected " + hex(update.revision());
                return;
            }
            // Siblings take their core's result: each reads its own MSR 0x8B, as Xen's and Linux's do.
            for (int t = 1; t < cpus.threadsPerCore(); t++) {
                int sibling = cpus.readRevision(primary + t);
                if (sibling != now) {
                    failures[core] = "sibling CPU " + (primary + t) + " reads revision " + hex(sibling) + ", its core "
                            + hex(now);
                    return;
                }
            }
        } catch (RuntimeException e) {
            failures[core] = "the load raised " + e;
        }
    }

    private List<MicrocodeFile> parse(List<Input> files) throws LateLoadException {
        if (files.isEmpty()) {
            throw new LateLoadException(LateLoadException.Code.NO_FILE, "no microcode file given; nothing loaded");
        }
        List<MicrocodeFile> parsed = new ArrayList<>(files.size());
        for (Input f : files) {
            try {
                parsed.add(MicrocodeFiles.parse(f.name(), f.data, ParseMode.LINUX));
            } catch (MicrocodeFormatException e) {
                throw new LateLoadException(LateLoadException.Code.BAD_FILE, "damaged microcode: " + e.getMessage()
                        + "; nothing loaded (re-fetch the file from the vendor's package)", e);
            }
        }
        return parsed;
    }

    private void refuseUnlessLoadable(List<MicrocodeFile> parsed, String what, Selection[] selections, boolean force)
            throws LateLoadException {
        boolean anyMatch = false;
        boolean anyNewer = false;
        Selection notNewer = null;
        for (Selection s : selections) {
            anyMatch |= s.outcome() != Outcome.NO_MATCH;
            anyNewer |= s.outcome() == Outcome.NEWER;
            if (notNewer == null && s.outcome() == Outcome.NOT_NEWER) {
                notNewer = s;
            }
        }
        CpuIdentity cpu = selections[0].cpu();
        if (!anyMatch) {
            Vendor vendor = cpus.vendor();
            boolean otherVendor = parsed.stream().allMatch(f -> f.vendor() != vendor);
            throw new LateLoadException(LateLoadException.Code.NO_MATCH, "no matching microcode: " + (otherVendor
                    ? what + " holds " + name(parsed.get(0).vendor()) + " microcode; this host's CPUs are " + name(vendor)
                    : "nothing in " + what + " is for this host's CPUs (" + describe(cpu) + ")")
                    + "; nothing loaded ('hvctl ucode --list FILE' shows what a file holds)");
        }
        if (!anyNewer && !force) {
            throw new LateLoadException(LateLoadException.Code.NOT_NEWER, "not newer: running " + hex(notNewer.cpu().revision())
                    + ", file has " + hex(notNewer.newestMatching().orElseThrow().revision())
                    + "; nothing loaded (--force loads it anyway)");
        }
    }

    /**
     * Intel's minimum-revision field (header 0x28): below it a late load is unsafe, and Linux refuses
     * it in its strict setting; 0 means the update does not say, which Linux loads with a warning.
     */
    private void checkMinimumRevision(MicrocodeUpdate[] plan, boolean force, List<String> warnings)
            throws LateLoadException {
        for (int c = 0; c < plan.length; c++) {
            if (!(plan[c] instanceof IntelMicrocodeUpdate u)) {
                continue;
            }
            int running = cpus.readRevision(cpus.primaryOf(c));
            int min = u.minRequiredRevision();
            if (min != 0 && Integer.compareUnsigned(running, min) < 0) {
                if (!force) {
                    throw new LateLoadException(LateLoadException.Code.BELOW_MIN_REVISION, "revision " + hex(u.revision())
                            + " may be loaded late only over revision " + hex(min) + " or later; core " + c + " runs "
                            + hex(running) + "; nothing loaded (load it at boot, or --force)");
                }
                warnings.add("microcode: warning: forced below the update's minimum revision " + hex(min));
                return;
            }
        }
    }

    private LoadResult report(MicrocodeUpdate[] plan, int[] before, String[] failures,
            List<SortedSet<String>> featuresBefore, List<String> warnings, StopMachine.Report report,
            int attempts) {
        List<String> lines = new ArrayList<>(warnings);
        List<CpuResult> results = new ArrayList<>();
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
            switch (status) {
                case UPDATED -> {
                    updatedCores++;
                    updatedSiblings += cpus.threadsPerCore() - 1;
                    lines.add(String.format("microcode: %s: updated from revision %s to %s, date = %s", group(c), hex(old),
                            hex(plan[c].revision()), plan[c].date()));
                }
                case FAILED -> {
                    failedCores.add(c);
                    lines.add(String.format("microcode: %s: update to revision %s failed: %s; the core keeps revision %s",
                            group(c), hex(plan[c].revision()), failures[c], hex(cpus.readRevision(primary))));
                }
                case UNCHANGED -> lines.add(String.format("microcode: %s: not updated, running revision %s", group(c),
                        hex(old)));
            }
        }
        List<FeatureChange> changes = featureChanges(featuresBefore);
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
        lines.add(String.format("microcode: guests paused %.3f ms (quiesce %.3f ms, load window %.3f ms)",
                report.pauseNanos() / 1e6, report.quiesceNanos() / 1e6, report.windowNanos() / 1e6));
        for (String line : lines) {
            LOG.log(line.contains("failed") || line.contains("incomplete") ? Level.ERROR
                    : line.contains("warning") ? Level.WARNING : Level.INFO, line);
        }
        return new LoadResult(lines, results, changes, warnings, report.quiesceNanos(), report.windowNanos(),
                report.pauseNanos(), attempts);
    }

    private List<SortedSet<String>> coreFeatures() {
        List<SortedSet<String>> out = new ArrayList<>();
        for (int c = 0; c < cpus.cores(); c++) {
            out.add(cpus.features(cpus.primaryOf(c)));
        }
        return out;
    }

    private List<FeatureChange> featureChanges(List<SortedSet<String>> before) {
        List<SortedSet<String>> after = coreFeatures();
        List<FeatureChange> out = new ArrayList<>();
        for (int c = 0; c < after.size(); c++) {
            SortedSet<String> added = new TreeSet<>(after.get(c));
            added.removeAll(before.get(c));
            SortedSet<String> removed = new TreeSet<>(before.get(c));
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

    private static String describe(List<Input> files) {
        return files.size() == 1 ? files.get(0).name() : "the " + files.size() + " files given";
    }

    private static String describe(CpuIdentity cpu) {
        String s = String.format("%s, signature %s = %02x-%02x-%02x", name(cpu.vendor()), cpu.signature(),
                cpu.signature().family(), cpu.signature().model(), cpu.signature().stepping());
        return cpu.vendor() == Vendor.INTEL
                ? s + String.format(", platform id %d (pf_mask 0x%02x)", cpu.platformId(), cpu.platformMask())
                : s;
    }

    private static String name(Vendor v) {
        return v == Vendor.INTEL ? "Intel" : "AMD";
    }

    /** A revision as Linux and Xen print it: {@code 0x%x}. */
    static String hex(int revision) {
        return "0x" + Integer.toHexString(revision);
    }
}
