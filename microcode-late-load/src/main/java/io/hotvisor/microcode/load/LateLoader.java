package io.hotvisor.microcode.load;

import io.hotvisor.control.Taints;
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
import io.hotvisor.microcode.journal.JournalException;
import io.hotvisor.microcode.journal.LoadRecord;
import io.hotvisor.microcode.journal.MicrocodeJournal;
import io.hotvisor.microcode.policy.Decision;
import io.hotvisor.microcode.policy.LatePolicy;
import io.hotvisor.microcode.policy.Rule;
import io.hotvisor.stopmachine.StopMachine;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Loads microcode into the running host's pCPUs, as Xen 4.13's {@code microcode_update} does, under
 * Linux's late-load policy (the module README's rule table): a directory is read as Linux reads its
 * firmware folder (only this CPU's file name); every file is parsed and checked; per core the
 * newest matching update is selected ({@link MicrocodeSelector}); it must be newer than the running
 * revision unless forced; Linux's blacklist, minimum-revision and AMD digest checks
 * ({@link LatePolicy}) run; then one stop-machine in which each core's first thread writes the
 * update trigger MSR and reads the revision back while its siblings stay parked. Every refusal
 * happens before anything is written and names its rule.
 *
 * <p>{@code force} is Xen's {@code xen-ucode --force}: it allows an update of the same or an older
 * revision, and nothing else (the blacklist, the minimum revision under
 * {@code microcode-force-minrev} and the digests still refuse). A forced load is logged at WARNING,
 * journaled as forced and taints the host {@code forced}.
 *
 * <p>The stop-machine's timeout bounds the pCPUs' parking; once they are parked, the first core's
 * action decides for all whether there is time left to load (the time parking took plus the
 * longest load window seen so far must fit in the timeout): if not, no core writes and the attempt
 * counts as busy. A pause that ran past the timeout anyway is reported as a warning.
 *
 * <p>A core whose CPU does not take the update keeps its old revision and is reported; the other
 * cores keep their new one. A successful late load is journaled ({@link MicrocodeJournal}, with the
 * file's SHA-256) and taints the host {@code ucode-late}; {@link #reapply} loads the journaled file
 * again at boot.
 *
 * <p>Thread-safe: loads are serialised.
 */
public final class LateLoader {

    private static final System.Logger LOG = System.getLogger("hotvisor.microcode");

    /** The rendezvous timeout at boot: no guest runs yet, so parking may take longer without harm. */
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(1);

    /** How often a busy rendezvous is asked again, as kpatch's CLI retries a busy transition. */
    public static final int DEFAULT_ATTEMPTS = 5;

    /** One microcode file as the operator handed it: its name (shown in messages) and bytes. */
    public record Input(String name, byte[] data) {
        public Input {
            Objects.requireNonNull(name, "name");
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    /** When the load happens: late (a running host) or at boot, re-applying the journal (Linux's early loading). */
    public enum Mode {
        LATE,
        BOOT
    }

    /**
     * How to load.
     *
     * @param force Xen's {@code --force}: load the newest matching update even when it is the same
     *     as or older than the running revision
     * @param timeout how long the pCPUs get to park, and the budget the pause is measured against
     * @param attempts how many rendezvous to try when they are busy (at least 1)
     * @param directory whether the files are a directory's: only the one Linux would read is loaded
     * @param mode late, or re-applied at boot
     */
    public record Options(boolean force, Duration timeout, int attempts, boolean directory, Mode mode) {
        public Options {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(mode, "mode");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
            }
        }

        /** Files given one by one, late. */
        public Options(boolean force, Duration timeout, int attempts) {
            this(force, timeout, attempts, false, Mode.LATE);
        }

        /** Not forced, 30 ms, 5 attempts, files given one by one, late. */
        public static Options defaults() {
            return new Options(false, StopMachine.DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS);
        }

        /** The same, for the files of a directory. */
        public Options asDirectory() {
            return new Options(force, timeout, attempts, true, mode);
        }
    }

    private final SimulatedCpus cpus;
    private final StopMachine stopMachine;
    private final LatePolicy policy;
    private final Optional<MicrocodeJournal> journal;
    private final Taints taints;
    private final Clock clock;
    private LongSupplier nanoTime = System::nanoTime;
    /** The longest load window seen: the time the pCPUs must have left once parked. */
    private long longestWindowNanos;

    /** Linux's default policy, no journal, a taint registry of its own. */
    public LateLoader(SimulatedCpus cpus, StopMachine stopMachine) {
        this(cpus, stopMachine, LatePolicy.linuxDefaults(), Optional.empty(), new Taints(), Clock.systemUTC());
    }

    public LateLoader(SimulatedCpus cpus, StopMachine stopMachine, LatePolicy policy,
            Optional<MicrocodeJournal> journal, Taints taints, Clock clock) {
        this.cpus = Objects.requireNonNull(cpus, "cpus");
        this.stopMachine = Objects.requireNonNull(stopMachine, "stopMachine");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.taints = Objects.requireNonNull(taints, "taints");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** For unit tests: the clock the rendezvous budget is measured with. */
    synchronized void nanoTime(LongSupplier clock) {
        this.nanoTime = Objects.requireNonNull(clock, "clock");
    }

    /** The CPUs this loader updates. */
    public SimulatedCpus cpus() {
        return cpus;
    }

    /** The host's taint flags this loader sets. */
    public Taints taints() {
        return taints;
    }

    /**
     * Loads the best update in {@code files} into every core that needs it.
     *
     * @return what was loaded, per pCPU; {@link LoadResult#complete()} is false when a core failed
     * @throws LateLoadException when refused; nothing was loaded
     */
    public synchronized LoadResult load(List<Input> files, Options options) throws LateLoadException {
        if (files.isEmpty()) {
            throw new LateLoadException(LateLoadException.Code.NO_FILE, Rule.FORMAT, "no microcode file given; nothing loaded");
        }
        CpuIdentity boot = cpus.identity(0);
        List<Decision> decisions = new ArrayList<>();
        List<Input> kept = files;
        if (options.directory()) {
            FirmwareNames.Selection named = FirmwareNames.select(boot, files);
            named.decisions().forEach(d -> LOG.log(Level.DEBUG, "microcode: " + d));
            decisions.addAll(named.decisions());
            kept = named.kept();
            if (kept.isEmpty()) {
                throw new LateLoadException(LateLoadException.Code.NO_MATCH, Rule.LINUX_NAMING, "no file of the directory"
                        + " is named " + FirmwareNames.expected(boot) + ", the only file Linux's late loader reads for"
                        + " this host's CPUs (" + named.expected() + "); " + files.size() + " file"
                        + (files.size() == 1 ? "" : "s") + " skipped" + earlyOnlyNote(files, boot) + "; nothing loaded");
            }
        }
        List<MicrocodeFile> parsed = parse(kept);
        List<MicrocodeUpdate> updates = parsed.stream().flatMap(f -> f.updates().stream()).toList();
        int cores = cpus.cores();
        Selection[] selections = new Selection[cores];
        for (int c = 0; c < cores; c++) {
            selections[c] = MicrocodeSelector.select(cpus.identity(cpus.primaryOf(c)), updates);
        }
        refuseUnlessLoadable(parsed, describe(kept), selections, options.force());
        MicrocodeUpdate[] plan = new MicrocodeUpdate[cores];
        for (int c = 0; c < cores; c++) {
            Selection s = selections[c];
            boolean take = s.outcome() == Outcome.NEWER || (options.force() && s.outcome() == Outcome.NOT_NEWER);
            plan[c] = take ? s.newestMatching().orElseThrow() : null;
        }
        decisions.add(new Decision(Rule.NEWER, options.force() ? Decision.Verdict.WARN : Decision.Verdict.PASS,
                newerDetail(selections, plan, options.force())));
        Set<Decision> policyDecisions = new LinkedHashSet<>();
        for (int c = 0; c < cores; c++) {
            if (plan[c] != null) {
                CpuIdentity cpu = cpus.identity(cpus.primaryOf(c));
                policyDecisions.addAll(options.mode() == Mode.LATE ? policy.late(cpu, plan[c]) : policy.early(cpu, plan[c]));
            }
        }
        decisions.addAll(policyDecisions);
        refuseOnPolicy(policyDecisions);

        List<String> warnings = new ArrayList<>();
        if (options.force()) {
            warnings.add("microcode: warning: --force: the revision check is off (Xen's xen-ucode --force: same or"
                    + " older revisions load); host tainted forced");
            for (int c = 0; c < cores; c++) {
                if (selections[c].outcome() == Outcome.NOT_NEWER) {
                    warnings.add("microcode: warning: forced: loading revision " + hex(plan[c].revision())
                            + " over running revision " + hex(selections[c].cpu().revision()));
                    break;
                }
            }
        }
        boolean unsafe = policyDecisions.stream()
                .anyMatch(d -> d.rule() == Rule.MIN_REVISION && d.verdict() == Decision.Verdict.WARN);
        policyDecisions.stream().filter(d -> d.verdict() == Decision.Verdict.WARN)
                .forEach(d -> warnings.add("microcode: warning: " + d.detail()));

        LoadReporter reporter = new LoadReporter(cpus, plan);
        String[] failures = new String[cores];
        Rendezvoused run = rendezvous(plan, failures, options);
        decisions.add(new Decision(Rule.RENDEZVOUS_TIMEOUT, Decision.Verdict.PASS, String.format(
                "parked in %.3f ms, within the %d ms timeout", run.report().quiesceNanos() / 1e6, options.timeout().toMillis())));
        longestWindowNanos = Math.max(longestWindowNanos, run.report().windowNanos());
        if (run.report().pauseNanos() > options.timeout().toNanos()) {
            String line = String.format("microcode: warning: guests paused %.3f ms, longer than the %d ms timeout",
                    run.report().pauseNanos() / 1e6, options.timeout().toMillis());
            warnings.add(line);
            decisions.add(new Decision(Rule.PAUSE, Decision.Verdict.WARN, line.substring("microcode: warning: ".length())));
        } else {
            decisions.add(new Decision(Rule.PAUSE, Decision.Verdict.PASS, String.format("guests paused %.3f ms",
                    run.report().pauseNanos() / 1e6)));
        }
        boolean anyUpdated = reporter.anyUpdated(failures);
        Optional<Long> sequence = Optional.empty();
        if (anyUpdated && options.mode() == Mode.LATE) {
            sequence = record(kept, parsed, plan, options.force(), unsafe, warnings);
        }
        return reporter.report(failures, warnings, decisions, options, unsafe, run, sequence);
    }

    /**
     * Loads again, at boot, the file of the journal's last late load (Linux's early loading: no
     * blacklist, no minimum revision; forced again when the load was forced, which taints the
     * host {@code forced} again).
     *
     * @return the load, or empty when the journal holds none or the CPUs already run that revision or a newer one
     * @throws JournalException when the journal is damaged or the file is gone or changed
     * @throws LateLoadException when the file no longer loads on these CPUs
     */
    public synchronized Optional<LoadResult> reapply() throws JournalException, LateLoadException {
        if (journal.isEmpty()) {
            return Optional.empty();
        }
        Optional<LoadRecord> last = journal.get().last();
        if (last.isEmpty()) {
            return Optional.empty();
        }
        LoadRecord r = last.get();
        byte[] data = journal.get().fileOf(r);
        LoadResult result;
        try {
            result = load(List.of(new Input(r.file(), data)),
                    new Options(r.forced(), BOOT_TIMEOUT, DEFAULT_ATTEMPTS, false, Mode.BOOT));
        } catch (LateLoadException e) {
            if (e.code() != LateLoadException.Code.NOT_NEWER) {
                throw e;
            }
            // The CPUs booted with this revision or a newer one (a firmware update): early loading skips it too.
            LOG.log(Level.INFO, "microcode: journal record {0} not re-applied: {1}", r.sequence(), e.getMessage());
            return Optional.empty();
        }
        if (r.forced()) {
            taints.set(Taints.Flag.FORCED, "microcode: journal record " + r.sequence() + " (a forced load of revision "
                    + hex(r.revision()) + ") re-applied at boot");
        }
        return Optional.of(result);
    }

    /** What the stop-machine reported, and after how many attempts. */
    record Rendezvoused(StopMachine.Report report, int attempts) {
    }

    private Rendezvoused rendezvous(MicrocodeUpdate[] plan, String[] failures, Options options) throws LateLoadException {
        int attempt = 0;
        while (true) {
            attempt++;
            long requested = nanoTime.getAsLong();
            Gate gate = new Gate(requested, options.timeout().toNanos() - longestWindowNanos);
            String busy;
            try {
                StopMachine.Report report = stopMachine.runPerCore(core -> {
                    if (gate.open()) {
                        loadCore(core, plan[core], failures);
                    }
                }, options.timeout());
                if (gate.open()) {
                    return new Rendezvoused(report, attempt);
                }
                busy = String.format("the pCPUs parked %.3f ms after the request; with the %.3f ms the longest load took,"
                        + " that exceeds the %d ms timeout; nothing was written", gate.parkedAfterNanos() / 1e6,
                        longestWindowNanos / 1e6, options.timeout().toMillis());
                if (attempt >= options.attempts()) {
                    throw new LateLoadException(LateLoadException.Code.TIMEOUT, Rule.RENDEZVOUS_TIMEOUT, "timed out: "
                            + busy + " (after " + attempts(attempt) + "); nothing loaded, retry later or raise --timeout");
                }
            } catch (StopMachine.BusyException e) {
                busy = e.getMessage();
                if (attempt >= options.attempts()) {
                    throw new LateLoadException(LateLoadException.Code.BUSY, Rule.RENDEZVOUS_TIMEOUT, "busy: " + busy
                            + " (after " + attempts(attempt) + "); nothing loaded, retry later", e);
                }
            } catch (LateLoadException e) {
                throw e;
            } catch (Exception e) {
                // loadCore catches everything it can; anything else is a fault of the stop-machine itself.
                throw new IllegalStateException("the stop-machine failed: " + e, e);
            }
            LOG.log(Level.INFO, "microcode: rendezvous attempt {0} of {1} busy: {2}", attempt, options.attempts(), busy);
        }
    }

    /**
     * The decision, taken once by the first core's action while every pCPU is parked, whether
     * there is time left to load: all cores then write, or none does.
     */
    private final class Gate {
        private final long requested;
        private final long budgetNanos;
        private Boolean open;
        private long parkedAfterNanos;

        Gate(long requested, long budgetNanos) {
            this.requested = requested;
            this.budgetNanos = budgetNanos;
        }

        synchronized boolean open() {
            if (open == null) {
                parkedAfterNanos = nanoTime.getAsLong() - requested;
                open = parkedAfterNanos <= budgetNanos;
            }
            return open;
        }

        synchronized long parkedAfterNanos() {
            return parkedAfterNanos;
        }
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

    /** Journals the load and taints the host; a journal that cannot be written is a warning, not an undo. */
    private Optional<Long> record(List<Input> kept, List<MicrocodeFile> parsed, MicrocodeUpdate[] plan, boolean force,
            boolean unsafe, List<String> warnings) {
        MicrocodeUpdate loaded = null;
        for (MicrocodeUpdate u : plan) {
            if (u != null) {
                loaded = u;
                break;
            }
        }
        Input source = kept.get(0);
        for (int i = 0; i < parsed.size(); i++) {
            if (parsed.get(i).updates().contains(loaded)) {
                source = kept.get(i);
            }
        }
        String what = "late-loaded revision " + hex(loaded.revision()) + " from " + source.name()
                + (unsafe ? " (unsafe: not known to be safe from the running revision)" : "");
        taints.set(Taints.Flag.UCODE_LATE, "microcode: " + what);
        if (force) {
            taints.set(Taints.Flag.FORCED, "microcode: hvctl ucode --force " + what);
        }
        if (journal.isEmpty()) {
            return Optional.empty();
        }
        try {
            LoadRecord r = journal.get().append(source.name(), source.data, cpus.vendor() == Vendor.INTEL ? "intel" : "amd",
                    loaded.revision(), force, unsafe, clock.instant());
            LOG.log(Level.INFO, "microcode: journaled as record {0} ({1}, sha256 {2})", r.sequence(), r.file(), r.sha256());
            return Optional.of(r.sequence());
        } catch (JournalException e) {
            warnings.add("microcode: warning: the load was not journaled (" + e.getMessage()
                    + "); a restart will boot the configured revision");
            return Optional.empty();
        }
    }

    private List<MicrocodeFile> parse(List<Input> files) throws LateLoadException {
        List<MicrocodeFile> parsed = new ArrayList<>(files.size());
        for (Input f : files) {
            try {
                MicrocodeFile file = MicrocodeFiles.parse(f.name(), f.data, ParseMode.LINUX);
                for (IntelMicrocodeUpdate u : file.intelUpdates()) {
                    if (!u.date().isValid()) {
                        // Linux does not read the date; iucode_tool does, and a late load takes the stricter view.
                        throw new MicrocodeFormatException(MicrocodeFormatException.Code.STRICT_BAD_DATE, f.name(),
                                u.offset() + 8, u.index(), String.format("date 0x%08x is not a valid BCD date (0xMMDDYYYY)",
                                        u.date().raw()));
                    }
                }
                parsed.add(file);
            } catch (MicrocodeFormatException e) {
                throw new LateLoadException(LateLoadException.Code.BAD_FILE, Rule.FORMAT, "damaged microcode: "
                        + e.getMessage() + "; nothing loaded (re-fetch the file from the vendor's package)", e);
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
            throw new LateLoadException(LateLoadException.Code.NO_MATCH, Rule.MATCH, "no matching microcode: " + (otherVendor
                    ? what + " holds " + name(parsed.get(0).vendor()) + " microcode; this host's CPUs are " + name(vendor)
                    : "nothing in " + what + " is for this host's CPUs (" + LoadReporter.describe(cpu) + ")")
                    + "; nothing loaded ('hvctl ucode --list FILE' shows what a file holds)");
        }
        if (!anyNewer && !force) {
            throw new LateLoadException(LateLoadException.Code.NOT_NEWER, Rule.NEWER, "not newer: running "
                    + hex(notNewer.cpu().revision()) + ", file has " + hex(notNewer.newestMatching().orElseThrow().revision())
                    + "; nothing loaded (--force loads it anyway)");
        }
    }

    private static void refuseOnPolicy(Set<Decision> decisions) throws LateLoadException {
        for (Decision d : decisions) {
            if (d.verdict() != Decision.Verdict.REFUSE) {
                continue;
            }
            LateLoadException.Code code = switch (d.rule()) {
                case BLACKLIST_BDF90 -> LateLoadException.Code.BLACKLISTED;
                case MIN_REVISION -> LateLoadException.Code.BELOW_MIN_REVISION;
                case AMD_SHA256 -> LateLoadException.Code.BAD_DIGEST;
                default -> throw new IllegalStateException("rule " + d.rule() + " cannot refuse here");
            };
            throw new LateLoadException(code, d.rule(), d.detail() + "; nothing loaded");
        }
    }

    private static String newerDetail(Selection[] selections, MicrocodeUpdate[] plan, boolean force) {
        for (int c = 0; c < plan.length; c++) {
            if (plan[c] != null) {
                int running = selections[c].cpu().revision();
                boolean newer = Integer.compareUnsigned(plan[c].revision(), running) > 0;
                return String.format("revision %s over running %s%s", hex(plan[c].revision()), hex(running),
                        newer ? (force ? " is newer (--force given, not needed)" : " is newer")
                                : " is the same or older: loaded because --force was given");
            }
        }
        return "no core has anything to load";
    }

    /** Says so when the directory holds this CPU's file only as Debian's early-only {@code .initramfs}. */
    private static String earlyOnlyNote(List<Input> files, CpuIdentity cpu) {
        String early = FirmwareNames.expected(cpu) + ".initramfs";
        return files.stream().anyMatch(f -> FirmwareNames.baseName(f.name()).equals(early))
                ? " (" + early + " is there, but it is an early-only update: Debian ships it for loading at boot, never late)"
                : "";
    }

    private static String attempts(int n) {
        return n + " attempt" + (n == 1 ? "" : "s");
    }

    private static String describe(List<Input> files) {
        return files.size() == 1 ? files.get(0).name() : "the " + files.size() + " files given";
    }

    static String name(Vendor v) {
        return v == Vendor.INTEL ? "Intel" : "AMD";
    }

    /** A revision as Linux and Xen print it: {@code 0x%x}. */
    static String hex(int revision) {
        return "0x" + Integer.toHexString(revision);
    }
}
