package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.activeness.MethodDiff;
import io.hotvisor.patch.applier.health.HealthCheck;
import io.hotvisor.patch.applier.health.HealthWatch;
import io.hotvisor.patch.applier.journal.Journal;
import io.hotvisor.patch.applier.journal.JournalRecord;
import io.hotvisor.patch.applier.journal.Replay;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.ClassKind;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.HookPhase;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.PayloadKind;
import io.hotvisor.patch.format.payload.Payload;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.sign.TrustStore;
import io.hotvisor.runtime.rendezvous.RendezvousReport;
import org.objectweb.asm.AnnotationVisitor;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The livepatch agent: the payload table and the state machine of Xen's livepatch, for the JVM.
 *
 * <pre>
 *   upload ──► CHECKED ──apply/replace──► APPLIED ──revert──► CHECKED ──unload──► (gone)
 *                 ▲  └─ any failure: stays CHECKED ┘  └─ any failure: stays APPLIED
 * </pre>
 *
 * <p>Applied payloads form a stack: a payload applies only on the payload its depends-on names
 * (the host build when it names none), only the top can be reverted, and {@code replace} reverts
 * the whole stack and applies one payload in a single window. Every apply, revert and replace is
 * quiesce-apply-resume ({@link Quiescer}): pre-hook, then with every pCPU parked the activeness
 * check, the new classes, ONE redefinition batch, the in-window hook and the in-window check, any
 * failure restoring the saved bytes in the same window; then the post-hook.
 *
 * <p>Thread-safe: actions are serialised; an action asked for while another runs (including by a
 * hook of the running action) is refused at once with {@link ErrorCode#BUSY}, never queued or
 * interleaved. {@link #list()} never waits. Every action is journaled before and after it takes
 * effect ({@link Journal}); {@link #recover()} re-applies the journaled stack at boot.
 *
 * <p>Hook semantics: hooks are {@code public static void} no-argument methods named in the
 * manifest. Pre-apply and pre-revert hooks veto the action by throwing; the apply and revert hooks
 * run inside the window after the class batch (a JVM hook cannot redefine classes itself, so it
 * complements the default action rather than replacing it) and roll the action back by throwing;
 * post-apply and post-revert hooks run after the pCPUs resume, whether the window succeeded or
 * not (Xen's {@code action_hooks_noapply}), and cannot undo anything. A payload's new classes are
 * defined before its pre-apply hook when it has hooks (a hook's class must exist to run), else
 * inside the window.
 */
public final class LivepatchAgent implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("hotvisor.livepatch");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final String HEALTH_PROBE = "Lio/hotvisor/livepatch/api/HealthProbe;";
    static final String PAYLOAD_DIR = "payloads";

    private final BuildId hostBuildId;
    private final TrustStore trust;
    private final Path stateDir;
    private final ClassLocator locator;
    private final Clock clock;
    private final AgentConfig config;
    private final PayloadReader reader = new PayloadReader();
    private final Journal journal;
    private final HookRunner hooks = new HookRunner();
    private final HealthWatch watch;
    private final ClassRecord record;
    private final Window window;
    private final Semaphore permit = new Semaphore(1);
    private volatile String inProgress;
    private volatile boolean closed;
    /** Null until the host provides one: bundle-update payloads are then refused at upload. */
    private volatile BundleUpdater bundles;

    /** Guarded by {@code this}; changed only by the permit holder. */
    private final LinkedHashMap<String, PayloadEntry> table = new LinkedHashMap<>();
    /** Guarded by {@code this}; bottom first. */
    private final List<PayloadEntry> stack = new ArrayList<>();
    private long version;

    /**
     * @param hostBuildId  the running host's build-id; payloads must target it
     * @param trust        the keys payloads must be signed with
     * @param stateDir     where the journal and uploaded payloads live (created if absent)
     * @param redefiner    redefines classes ({@link ClassRedefiner.ForInstrumentation} in production)
     * @param locator      finds the host's classes and bundle loaders
     * @param quiescer     parks every pCPU ({@link Quiescer.ForRendezvous} in production)
     * @param runningBytes the bytes classes were loaded with ({@link RunningBytes.FromClassLoader})
     * @param clock        for journal times and applied-at
     * @param config       timeouts, health checks, event sink
     * @throws LivepatchException {@code IO_ERROR} when the state directory or journal cannot be opened
     */
    public LivepatchAgent(BuildId hostBuildId, TrustStore trust, Path stateDir, ClassRedefiner redefiner,
                          ClassLocator locator, Quiescer quiescer, RunningBytes runningBytes, Clock clock,
                          AgentConfig config) throws LivepatchException {
        this.hostBuildId = Objects.requireNonNull(hostBuildId, "hostBuildId");
        this.trust = Objects.requireNonNull(trust, "trust");
        this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
        this.locator = Objects.requireNonNull(locator, "locator");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.config = Objects.requireNonNull(config, "config");
        this.record = new ClassRecord(Objects.requireNonNull(runningBytes, "runningBytes"));
        this.window = new Window(record, Objects.requireNonNull(redefiner, "redefiner"),
                Objects.requireNonNull(quiescer, "quiescer"), hooks, config.windowHookTimeout());
        try {
            Files.createDirectories(stateDir.resolve(PAYLOAD_DIR));
            this.journal = Journal.open(stateDir, clock, hostBuildId.hex());
        } catch (IOException e) {
            throw new LivepatchException(ErrorCode.IO_ERROR, "cannot open the livepatch state directory " + stateDir
                    + ": " + e.getMessage() + "; check that it exists and is writable", e);
        }
        this.watch = new HealthWatch(this::healthFailed);
    }

    /**
     * Lets this agent apply {@code bundle-update} payloads through {@code updater}. Call before
     * {@link #recover()}, so that recovered bundle updates can be applied again.
     */
    public void bundleUpdater(BundleUpdater updater) {
        this.bundles = Objects.requireNonNull(updater, "updater");
    }

    // ------------------------------------------------------------------------------------------
    // Listing

    /** The table now; never waits for a running action. */
    public synchronized Listing list() {
        List<PayloadStatus> rows = new ArrayList<>();
        for (PayloadEntry e : table.values()) {
            rows.add(status(e));
        }
        List<String> applied = new ArrayList<>();
        for (PayloadEntry e : stack) {
            applied.add(e.name);
        }
        return new Listing(version, inProgress, rows, applied, watch.watching());
    }

    /** One payload's row, or empty when no payload has that name. */
    public synchronized Optional<PayloadStatus> get(String name) {
        PayloadEntry e = table.get(name);
        return e == null ? Optional.empty() : Optional.of(status(e));
    }

    private static PayloadStatus status(PayloadEntry e) {
        Manifest m = e.payload.manifest();
        List<String> classes = new ArrayList<>();
        for (ClassEntry c : m.classes()) {
            classes.add(c.bundle() + ":" + c.className() + " (" + c.kind().jsonName() + ")");
        }
        return new PayloadStatus(e.name, e.state, m.payloadBuildId(), m.targetBuildId(), m.dependsOn(), e.appliedAt,
                e.lastError, m.metadata(), classes, e.strandedClasses());
    }

    /** The build-id payloads must target. */
    public BuildId hostBuildId() {
        return hostBuildId;
    }

    /** The journal file, for operators and tests. */
    public Path journalFile() {
        return journal.file();
    }

    // ------------------------------------------------------------------------------------------
    // Upload and unload

    /**
     * Verifies a payload and adds it to the table as CHECKED, keeping its file in the state directory.
     *
     * @param name  the name to upload it under; must be the payload's own name
     * @param bytes the payload file
     * @throws LivepatchException BUSY, BAD_NAME, EXISTS, BAD_PAYLOAD, WRONG_BUILD, NOTHING_TO_PATCH,
     *                            CLASS_NOT_FOUND, EXPECTATION, IO_ERROR
     */
    public PayloadStatus upload(String name, byte[] bytes) throws LivepatchException {
        acquire("upload " + name);
        try {
            return journaled(JournalRecord.begin("upload", name, null), null, () -> uploadLocked(name, bytes), LivepatchAgent::uploaded);
        } finally {
            release();
        }
    }

    private PayloadStatus uploadLocked(String name, byte[] bytes) throws LivepatchException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new LivepatchException(ErrorCode.BAD_NAME, "'" + name + "' is not a payload name: use 1-64 characters"
                    + " of A-Z a-z 0-9 . _ -");
        }
        PayloadEntry existing = entry(name);
        if (existing != null) {
            throw new LivepatchException(ErrorCode.EXISTS, "a payload named " + name + " is already uploaded (state "
                    + existing.state + "); unload it first, or upload under another name");
        }
        Payload payload;
        try {
            payload = reader.verify(bytes, trust);
        } catch (PayloadException e) {
            throw new LivepatchException(ErrorCode.BAD_PAYLOAD, "payload " + name + " refused (" + e.error() + "): "
                    + e.getMessage(), e.error(), e);
        }
        Manifest m = payload.manifest();
        if (!m.name().equals(name)) {
            throw new LivepatchException(ErrorCode.BAD_NAME, "the payload file is named " + m.name()
                    + " in its manifest, not " + name + "; upload it as " + m.name());
        }
        synchronized (this) {
            for (PayloadEntry e : table.values()) {
                if (e.payload.manifest().payloadBuildId().equals(m.payloadBuildId())) {
                    throw new LivepatchException(ErrorCode.EXISTS, "payload " + name + " makes the same change as "
                            + e.name + " (payload build-id " + m.payloadBuildId() + "); it is already uploaded");
                }
            }
        }
        if (!m.targetBuildId().equals(hostBuildId)) {
            throw new LivepatchException(ErrorCode.WRONG_BUILD, "payload " + name + " was built for host build "
                    + m.targetBuildId() + ", but this host runs build " + hostBuildId
                    + "; rebuild the payload against the running build");
        }
        if (m.kind() == PayloadKind.BUNDLE_UPDATE) {
            checkBundleUpdate(name, m);
        } else if (m.classes().isEmpty() && m.hooks().isEmpty()) {
            throw new LivepatchException(ErrorCode.NOTHING_TO_PATCH, "payload " + name
                    + " has neither classes nor hooks: nothing to patch");
        }
        checkExpectationsAtUpload(name, payload);
        Path file = stateDir.resolve(PAYLOAD_DIR).resolve(m.payloadBuildId().hex() + ".hvp");
        try {
            writeDurably(file, bytes);
        } catch (IOException e) {
            throw new LivepatchException(ErrorCode.IO_ERROR, "cannot keep payload " + name + " in " + file + ": "
                    + e.getMessage(), e);
        }
        PayloadEntry entry = new PayloadEntry(name, payload, file);
        synchronized (this) {
            table.put(name, entry);
            version++;
        }
        emit(System.Logger.Level.INFO, name, "uploaded (payload build-id " + m.payloadBuildId() + ")");
        return status(entry);
    }

    /**
     * A bundle update must replace one bundle this host runs, at the version the payload replaces,
     * and that bundle must carry its state across ({@link BundleUpdater#replaceable}).
     */
    private void checkBundleUpdate(String name, Manifest m) throws LivepatchException {
        BundleUpdater updater = updater(name);
        if (m.bundles().size() != 1) {
            throw new LivepatchException(ErrorCode.UNSUPPORTED, "payload " + name + " replaces " + m.bundles().size()
                    + " bundles; this host replaces one bundle per payload: build one payload per bundle");
        }
        BundleEntry b = m.bundles().get(0);
        Optional<String> running = updater.version(b.bundle());
        if (running.isEmpty()) {
            throw new LivepatchException(ErrorCode.CLASS_NOT_FOUND, "payload " + name + " replaces bundle " + b.bundle()
                    + ", which this host does not have");
        }
        if (!running.get().equals(b.fromVersion())) {
            throw new LivepatchException(ErrorCode.EXPECTATION, "payload " + name + " replaces bundle " + b.bundle() + " "
                    + b.fromVersion() + ", but the host runs version " + running.get()
                    + "; build the payload against the running version");
        }
        if (!updater.replaceable(b.bundle())) {
            throw new LivepatchException(ErrorCode.UNSUPPORTED, "bundle " + b.bundle() + " cannot be replaced while the host "
                    + "runs: it does not carry its state across (no " + "Hotvisor-Replaceable header)");
        }
    }

    private BundleUpdater updater(String name) throws LivepatchException {
        BundleUpdater updater = bundles;
        if (updater == null) {
            throw new LivepatchException(ErrorCode.UNSUPPORTED, "payload " + name + " is a bundle update, which this host "
                    + "cannot apply (no bundle updater); build the change as a livepatch payload");
        }
        return updater;
    }

    /**
     * Expectations as seen from the payload's dependency chain: a class a payload of the chain
     * changes is expected with that payload's bytes, any other with the bytes the host was built
     * with. The same check runs again against the running record at apply.
     */
    private void checkExpectationsAtUpload(String name, Payload payload) throws LivepatchException {
        Map<ClassKey, byte[]> chain = new HashMap<>();
        BuildId dep = payload.manifest().dependsOn();
        Set<BuildId> seen = new java.util.HashSet<>();
        while (dep != null && seen.add(dep)) {
            PayloadEntry d = byBuildId(dep);
            if (d == null) {
                // A dependency not uploaded yet may change any class, so what this payload should
                // find is unknown here; apply checks again against the running record, and
                // refuses a missing dependency before that.
                return;
            }
            for (ClassEntry c : d.payload.manifest().classes()) {
                chain.putIfAbsent(ClassKey.of(c), d.payload.classBytes(c));
            }
            dep = d.payload.manifest().dependsOn();
        }
        for (ClassEntry c : payload.manifest().classes()) {
            if (c.kind() != ClassKind.REDEFINE) {
                continue;
            }
            ClassKey key = ClassKey.of(c);
            byte[] view = chain.get(key);
            if (view == null) {
                view = bytesOrRefuse(key, resolve(name, key), true);
            }
            expect(name, c, view, "the host build");
        }
    }

    /**
     * Removes a CHECKED payload from the table and its file from the state directory. New classes
     * it defined while applied stay loaded (the JVM cannot undefine a class).
     *
     * @throws LivepatchException BUSY, NOT_FOUND, WRONG_STATE, IO_ERROR
     */
    public void unload(String name) throws LivepatchException {
        acquire("unload " + name);
        try {
            PayloadEntry e = require(name);
            journaled(JournalRecord.begin("unload", name, e.payload.manifest().payloadBuildId().hex()), e, () -> {
                requireState(e, PayloadState.CHECKED);
                synchronized (this) {
                    table.remove(name);
                    version++;
                }
                watch.stop(name);
                try {
                    Files.deleteIfExists(e.file);
                } catch (IOException x) {
                    emit(System.Logger.Level.WARNING, name, "unloaded, but its file " + e.file + " could not be deleted: " + x.getMessage());
                }
                emit(System.Logger.Level.INFO, name, "unloaded");
                return null;
            });
        } finally {
            release();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Apply, revert, replace

    /** {@link #apply(String, ActionOptions)} with the default options. */
    public ActionReport apply(String name) throws LivepatchException {
        return apply(name, ActionOptions.DEFAULT);
    }

    /**
     * Applies a CHECKED payload: CHECKED to APPLIED, or stays CHECKED with the error recorded.
     *
     * @throws LivepatchException BUSY, NOT_FOUND, WRONG_STATE, DEPENDENCY, CLASS_NOT_FOUND, EXPECTATION,
     *                            HOOK_FAILED, TIMEOUT, ACTIVE, APPLY_FAILED, INCONSISTENT, IO_ERROR
     */
    public ActionReport apply(String name, ActionOptions options) throws LivepatchException {
        acquire("apply " + name);
        ActionReport report;
        try {
            report = applyLocked(require(name), options, null);
        } finally {
            release();
        }
        return report;
    }

    private ActionReport applyLocked(PayloadEntry e, ActionOptions options, String cause) throws LivepatchException {
        Manifest m = e.payload.manifest();
        JournalRecord begin = JournalRecord.begin("apply", e.name, m.payloadBuildId().hex()).withNodeps(options.nodeps())
                .withCause(cause);
        return journaled(begin, e, () -> {
            requireState(e, PayloadState.CHECKED);
            if (!options.nodeps()) {
                checkStacking(e);
            }
            if (m.kind() == PayloadKind.BUNDLE_UPDATE) {
                return applyBundleUpdate(e);
            }
            Window.Plan plan = plan(e, record::current, "running");
            if (!m.hooks().isEmpty()) {
                defineOutsideWindow(e, plan);
            }
            Map<HookPhase, HookRunner.Call> calls = resolveHooks(e);
            runPreHook(e, calls.get(HookPhase.PRE_APPLY), "apply");
            RendezvousReport r;
            try {
                r = window.run("apply " + e.name, plan, optional(calls.get(HookPhase.APPLY)),
                        () -> appliedCheck(e, true), () -> appliedCheck(e, false), timeout(options));
            } catch (LivepatchException x) {
                runPostHook(e, calls.get(HookPhase.POST_APPLY), new ArrayList<>());
                throw x;
            }
            synchronized (this) {
                e.applied = plan.changes();
                e.state = PayloadState.APPLIED;
                e.appliedAt = clock.instant();
                e.lastError = null;
                stack.add(e);
            }
            List<String> notes = new ArrayList<>();
            runPostHook(e, calls.get(HookPhase.POST_APPLY), notes);
            startWatch(e);
            ActionReport report = report("apply", e.name, plan.changes().size(), r, notes);
            emit(System.Logger.Level.INFO, e.name, "applied: " + report.summary());
            return report;
        });
    }

    /** {@link #revert(String, ActionOptions)} with the default options. */
    public ActionReport revert(String name) throws LivepatchException {
        return revert(name, ActionOptions.DEFAULT);
    }

    /**
     * Reverts the most recently applied payload: APPLIED to CHECKED, or stays APPLIED with the
     * error recorded. Its new classes stay loaded, unreachable.
     *
     * @throws LivepatchException BUSY, NOT_FOUND, WRONG_STATE, NOT_TOP, HOOK_FAILED, TIMEOUT, ACTIVE,
     *                            APPLY_FAILED, INCONSISTENT, IO_ERROR
     */
    public ActionReport revert(String name, ActionOptions options) throws LivepatchException {
        acquire("revert " + name);
        try {
            return revertLocked(require(name), options, null, null);
        } finally {
            release();
        }
    }

    /**
     * @param cause      why (journaled), or null for an operator's revert
     * @param errorAfter the payload's last error once reverted, recorded together with its state so a
     *                   listing never shows the new state without its reason
     */
    private ActionReport revertLocked(PayloadEntry e, ActionOptions options, String cause, String errorAfter) throws LivepatchException {
        JournalRecord begin = JournalRecord.begin("revert", e.name, e.payload.manifest().payloadBuildId().hex())
                .withCause(cause);
        return journaled(begin, e, () -> {
            requireState(e, PayloadState.APPLIED);
            PayloadEntry top = top();
            if (top != e) {
                throw new LivepatchException(ErrorCode.NOT_TOP, e.name + " is not the most recently applied payload: "
                        + top.name + " is applied on top of it; revert " + top.name + " first (payloads revert in LIFO order)");
            }
            if (e.payload.manifest().kind() == PayloadKind.BUNDLE_UPDATE) {
                return revertBundleUpdate(e, errorAfter);
            }
            List<PayloadEntry.Change> back = new ArrayList<>();
            for (PayloadEntry.Change c : e.applied) {
                back.add(c.reversed());
            }
            Window.Plan plan = new Window.Plan(back, List.of(), changedMethods(back));
            Map<HookPhase, HookRunner.Call> calls = resolveHooks(e);
            runPreHook(e, calls.get(HookPhase.PRE_REVERT), "revert");
            RendezvousReport r;
            try {
                r = window.run("revert " + e.name, plan, optional(calls.get(HookPhase.REVERT)),
                        () -> sameAs(back, true), () -> sameAs(back, false), timeout(options));
            } catch (LivepatchException x) {
                runPostHook(e, calls.get(HookPhase.POST_REVERT), new ArrayList<>());
                throw x;
            }
            synchronized (this) {
                e.applied = List.of();
                e.state = PayloadState.CHECKED;
                stack.remove(e);
                e.lastError = errorAfter;
            }
            watch.stop(e.name);
            List<String> notes = new ArrayList<>();
            runPostHook(e, calls.get(HookPhase.POST_REVERT), notes);
            if (!e.definedHere.isEmpty()) {
                notes.add("new classes stay loaded but unreachable: " + e.strandedClasses());
            }
            ActionReport report = report("revert", e.name, plan.changes().size(), r, notes);
            emit(System.Logger.Level.INFO, e.name, "reverted: " + report.summary());
            return report;
        });
    }

    /**
     * Replaces the bundle of a bundle-update payload. Refused while a payload of the stack redefines
     * classes of that bundle: the new bundle's classes would silently drop its changes.
     */
    private ActionReport applyBundleUpdate(PayloadEntry e) throws LivepatchException {
        BundleEntry b = e.payload.manifest().bundles().get(0);
        BundleUpdater updater = updater(e.name);
        synchronized (this) {
            for (PayloadEntry applied : stack) {
                for (ClassEntry c : applied.payload.manifest().classes()) {
                    if (c.bundle().equals(b.bundle())) {
                        throw new LivepatchException(ErrorCode.DEPENDENCY, "payload " + applied.name + " changes class "
                                + c.className() + " of bundle " + b.bundle() + ", which " + e.name + " replaces; revert "
                                + applied.name + " first, or build " + e.name + " to include its change");
                    }
                }
            }
        }
        BundleUpdater.Result r = updater.update(b.bundle(), b.fromVersion(), e.payload.bundleBytes(b));
        synchronized (this) {
            e.bundleBefore = r.previousJar();
            e.state = PayloadState.APPLIED;
            e.appliedAt = clock.instant();
            e.lastError = null;
            stack.add(e);
        }
        startWatch(e);
        ActionReport report = bundleReport("apply", e, b.bundle() + " " + b.fromVersion() + " -> " + b.toVersion(), r);
        emit(System.Logger.Level.INFO, e.name, "applied: " + report.summary() + "; " + r.detail());
        return report;
    }

    /** Puts the bundle a bundle-update payload replaced back, with the state of the running one. */
    private ActionReport revertBundleUpdate(PayloadEntry e, String errorAfter) throws LivepatchException {
        BundleEntry b = e.payload.manifest().bundles().get(0);
        BundleUpdater updater = updater(e.name);
        BundleUpdater.Result r = updater.update(b.bundle(), b.toVersion(), e.bundleBefore);
        synchronized (this) {
            e.bundleBefore = null;
            e.state = PayloadState.CHECKED;
            stack.remove(e);
            e.lastError = errorAfter;
        }
        watch.stop(e.name);
        ActionReport report = bundleReport("revert", e, b.bundle() + " " + b.toVersion() + " -> " + b.fromVersion(), r);
        emit(System.Logger.Level.INFO, e.name, "reverted: " + report.summary() + "; " + r.detail());
        return report;
    }

    private static ActionReport bundleReport(String action, PayloadEntry e, String what, BundleUpdater.Result r) {
        return report(action, e.name, r.classes(), r.quiesceNanos(), r.windowNanos(), r.pauseNanos(), List.of("bundle " + what));
    }

    /** {@link #replace(String, ActionOptions)} with the default options. */
    public ActionReport replace(String name) throws LivepatchException {
        return replace(name, ActionOptions.DEFAULT);
    }

    /**
     * Reverts every applied payload (top first) and applies {@code name}, in one window: afterwards
     * {@code name} is the whole stack, or nothing changed. Refused when any payload involved has
     * pre- or post-hooks (they would run outside the single window).
     *
     * @throws LivepatchException as {@link #apply}, and UNSUPPORTED
     */
    public ActionReport replace(String name, ActionOptions options) throws LivepatchException {
        acquire("replace " + name);
        try {
            PayloadEntry e = require(name);
            Manifest m = e.payload.manifest();
            return journaled(JournalRecord.begin("replace", name, m.payloadBuildId().hex()), e, () -> {
                requireState(e, PayloadState.CHECKED);
                if (m.kind() == PayloadKind.BUNDLE_UPDATE || stackHasBundleUpdate()) {
                    throw new LivepatchException(ErrorCode.UNSUPPORTED, "replace works on livepatch payloads only; "
                            + "a bundle update is applied and reverted on its own");
                }
                List<PayloadEntry> old;
                synchronized (this) {
                    old = new ArrayList<>(stack);
                }
                if (!options.nodeps() && m.dependsOn() != null) {
                    throw new LivepatchException(ErrorCode.DEPENDENCY, "replace applies a payload on the host build, but "
                            + name + " depends on payload " + m.dependsOn() + "; build a cumulative payload against the host build");
                }
                for (PayloadEntry p : concat(old, e)) {
                    if (p.hasPreOrPostHooks()) {
                        throw new LivepatchException(ErrorCode.UNSUPPORTED, "replace refused: payload " + p.name
                                + " has pre- or post-hooks, which cannot run inside one replace; revert and apply instead");
                    }
                }
                // What each class ran before the stack: undo the stack top first, so the bottom's saved bytes win.
                Map<ClassKey, PayloadEntry.Change> base = new LinkedHashMap<>();
                for (int i = old.size() - 1; i >= 0; i--) {
                    for (PayloadEntry.Change c : old.get(i).applied) {
                        base.put(c.key(), c);
                    }
                }
                Window.Plan own = plan(e, (key, type) -> {
                    PayloadEntry.Change c = base.get(key);
                    return c != null ? c.from() : record.original(key, type);
                }, "after reverting the applied stack");
                List<PayloadEntry.Change> changes = new ArrayList<>();
                List<PayloadEntry.Change> applied = new ArrayList<>();
                Set<ClassKey> mine = new java.util.HashSet<>();
                for (PayloadEntry.Change c : own.changes()) {
                    byte[] now = currentOrRefuse(e.name, c.key(), c.type());
                    changes.add(new PayloadEntry.Change(c.key(), c.type(), now, c.to()));
                    applied.add(c);
                    mine.add(c.key());
                }
                for (PayloadEntry.Change c : base.values()) {
                    if (!mine.contains(c.key())) {
                        changes.add(new PayloadEntry.Change(c.key(), c.type(), currentOrRefuse(name, c.key(), c.type()), c.from()));
                    }
                }
                Window.Plan plan = new Window.Plan(changes, own.defines(), changedMethods(changes));
                if (!m.hooks().isEmpty()) {
                    defineOutsideWindow(e, plan);
                }
                List<HookRunner.Call> windowHooks = new ArrayList<>();
                for (int i = old.size() - 1; i >= 0; i--) {
                    windowHooks.addAll(optional(resolveHooks(old.get(i)).get(HookPhase.REVERT)));
                }
                windowHooks.addAll(optional(resolveHooks(e).get(HookPhase.APPLY)));
                RendezvousReport r = window.run("replace " + name, plan, windowHooks,
                        () -> appliedCheck(e, true), () -> sameAs(changes, false), timeout(options));
                List<String> notes = new ArrayList<>();
                synchronized (this) {
                    for (PayloadEntry p : old) {
                        p.applied = List.of();
                        p.state = PayloadState.CHECKED;
                        notes.add("reverted " + p.name);
                    }
                    stack.clear();
                    e.applied = applied;
                    e.state = PayloadState.APPLIED;
                    e.appliedAt = clock.instant();
                    e.lastError = null;
                    stack.add(e);
                }
                startWatch(e);
                ActionReport report = report("replace", name, changes.size(), r, notes);
                emit(System.Logger.Level.INFO, name, "replaced the applied stack: " + report.summary());
                return report;
            });
        } finally {
            release();
        }
    }

    /**
     * Uploads and applies, and unloads again when the apply fails ({@code xen-livepatch load}).
     *
     * @throws LivepatchException as {@link #upload} and {@link #apply}
     */
    public ActionReport load(String name, byte[] bytes, ActionOptions options) throws LivepatchException {
        upload(name, bytes);
        try {
            return apply(name, options);
        } catch (LivepatchException e) {
            try {
                unload(name);
            } catch (LivepatchException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Recovery

    /**
     * At boot, before guests start: uploads again every payload the journal says is uploaded, then
     * re-applies the applied stack in order, and says what it did. Only a host of the same build
     * re-applies; an action the journal shows begun and never ended is reported and treated as not
     * applied (the process died during it, and the JVM that might have had it applied is gone).
     * Re-applies skip the stacking check (the order is the journal's) but not the expectations.
     *
     * @throws LivepatchException BUSY; WRONG_STATE when payloads are already uploaded;
     *                            RECOVERY_REFUSED when the journal's stack was applied by another
     *                            host build (nothing is re-applied); IO_ERROR
     */
    public RecoveryReport recover() throws LivepatchException {
        acquire("recover");
        try {
            synchronized (this) {
                if (!table.isEmpty()) {
                    throw new LivepatchException(ErrorCode.WRONG_STATE, "recover runs once at boot, before any upload;"
                            + " " + table.size() + " payload(s) are already uploaded");
                }
            }
            List<JournalRecord> records = journal.records();
            Replay replay = Replay.of(records);
            List<String> lines = new ArrayList<>();
            List<String> interrupted = new ArrayList<>();
            if (journal.skippedAtOpen() > 0) {
                lines.add("ignored " + journal.skippedAtOpen() + " damaged journal record(s) (a torn last record is"
                        + " what a crash during a write leaves)");
            }
            for (JournalRecord r : replay.interrupted()) {
                String what = r.action() + (r.name() == null ? "" : " " + r.name());
                interrupted.add(what);
                lines.add(what + " was interrupted (journal record " + r.seq() + " has no end): the host stopped during it;"
                        + ("apply".equals(r.action()) || "replace".equals(r.action())
                        ? " it is treated as not applied" : " the journal's last completed state is restored"));
                append(JournalRecord.end(r, JournalRecord.INTERRUPTED, null, "no end record; found by recovery"));
            }
            String writer = records.isEmpty() ? null : records.get(records.size() - 1).hostBuildId();
            JournalRecord begin = append(JournalRecord.begin("recover", null, null));
            if (!replay.applied().isEmpty() && writer != null && !writer.equals(hostBuildId.hex())) {
                String msg = "the journal in " + stateDir + " was written by host build " + writer + ", but this host runs "
                        + hostBuildId + "; its applied stack " + replay.applied() + " is NOT re-applied. Build payloads for"
                        + " this build, or move the state directory aside to start clean";
                append(JournalRecord.end(begin, JournalRecord.REFUSED, ErrorCode.RECOVERY_REFUSED.name(), msg));
                emit(System.Logger.Level.ERROR, null, "recovery refused: " + msg);
                throw new LivepatchException(ErrorCode.RECOVERY_REFUSED, msg);
            }
            List<String> reuploaded = new ArrayList<>();
            for (JournalRecord up : replay.uploaded().values()) {
                try {
                    byte[] bytes = Files.readAllBytes(stateDir.resolve(up.file()));
                    journaled(JournalRecord.begin("upload", up.name(), up.payloadBuildId()), null,
                            () -> uploadLocked(up.name(), bytes), LivepatchAgent::uploaded);
                    reuploaded.add(up.name());
                    lines.add("uploaded " + up.name() + " again from " + up.file());
                } catch (IOException | RuntimeException x) {
                    lines.add("cannot upload " + up.name() + " again from " + up.file() + ": " + x.getMessage());
                } catch (LivepatchException x) {
                    lines.add("cannot upload " + up.name() + " again: " + x.code() + ": " + x.getMessage());
                }
            }
            List<String> reapplied = new ArrayList<>();
            for (String name : replay.applied()) {
                PayloadEntry e = entry(name);
                if (e == null) {
                    lines.add("cannot re-apply " + name + ": it could not be uploaded again; payloads above it stay CHECKED");
                    break;
                }
                try {
                    ActionReport r = applyLocked(e, new ActionOptions(null, true), "recover");
                    reapplied.add(name);
                    lines.add("re-applied " + name + " (" + r.summary() + ")");
                } catch (LivepatchException x) {
                    lines.add("re-applying " + name + " failed: " + x.code() + ": " + x.getMessage()
                            + "; it and the payloads above it stay CHECKED");
                    break;
                }
            }
            append(JournalRecord.end(begin, JournalRecord.OK, null, String.join("; ", lines)));
            for (String line : lines) {
                emit(System.Logger.Level.INFO, null, "recovery: " + line);
            }
            return new RecoveryReport(reuploaded, reapplied, interrupted, journal.skippedAtOpen(), lines);
        } finally {
            release();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Health watch

    private void startWatch(PayloadEntry e) {
        List<HealthCheck> checks = new ArrayList<>(config.healthChecks());
        for (HookRunner.Call probe : healthProbes(e)) {
            checks.add(() -> {
                try {
                    hooks.run(probe, config.hookTimeout());
                    return HealthCheck.Result.healthy();
                } catch (HookRunner.Failure f) {
                    return HealthCheck.Result.failed(f.getMessage());
                }
            });
        }
        watch.start(e.name, checks, config.healthWindow(), config.healthPeriod());
    }

    /** The payload's {@code @HealthProbe} methods, found in the class files of the classes it defines. */
    private List<HookRunner.Call> healthProbes(PayloadEntry e) {
        List<HookRunner.Call> out = new ArrayList<>();
        for (ClassEntry c : e.payload.manifest().classes()) {
            if (c.kind() != ClassKind.DEFINE) {
                continue;
            }
            Class<?> type = record.definedClass(ClassKey.of(c));
            if (type == null) {
                continue;
            }
            for (String method : annotatedMethods(e.payload.classBytes(c))) {
                try {
                    Method m = type.getDeclaredMethod(method);
                    if (Modifier.isStatic(m.getModifiers())) {
                        m.setAccessible(true);
                        out.add(new HookRunner.Call("health probe", m));
                    }
                } catch (NoSuchMethodException | RuntimeException x) {
                    emit(System.Logger.Level.WARNING, e.name, "health probe " + c.className() + "." + method
                            + " cannot be called: " + x);
                }
            }
        }
        return out;
    }

    private static List<String> annotatedMethods(byte[] classFile) {
        List<String> found = new ArrayList<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                if (!"()V".equals(descriptor)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public AnnotationVisitor visitAnnotation(String desc, boolean visible) {
                        if (HEALTH_PROBE.equals(desc)) {
                            found.add(name);
                        }
                        return null;
                    }
                };
            }
        }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return found;
    }

    /**
     * Called on the watch thread: reverts the failing payload and everything applied on top of it
     * (they stack on it), through the normal revert path, waiting for a running action to finish.
     */
    private void healthFailed(String name, String reason) {
        emit(System.Logger.Level.WARNING, name, "health watch failed: " + reason + "; reverting automatically");
        try {
            while (!permit.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                if (closed) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        inProgress = "revert " + name + " (health watch)";
        try {
            PayloadEntry e = entry(name);
            if (e == null || e.state != PayloadState.APPLIED) {
                return;
            }
            String cause = "health: " + reason;
            while (true) {
                PayloadEntry top = top();
                if (top == null) {
                    break;
                }
                revertWithRetries(top, cause, "HEALTH: reverted automatically: " + reason);
                emit(System.Logger.Level.ERROR, top.name, "reverted automatically by the health watch: " + reason);
                if (top == e) {
                    break;
                }
            }
        } catch (LivepatchException x) {
            PayloadEntry e = entry(name);
            if (e != null) {
                e.lastError = "HEALTH: automatic revert failed: " + x.code() + ": " + x.getMessage();
            }
            emit(System.Logger.Level.ERROR, name, "automatic revert after a failed health check failed: " + x.code()
                    + ": " + x.getMessage());
        } finally {
            release();
        }
    }

    /**
     * An automatic revert must not give up because the pCPUs were slow to park: a rendezvous that
     * times out changed nothing, so it is tried again with a longer timeout (30 ms, then 120, 480
     * and 1920 ms) before the failure is recorded.
     */
    private void revertWithRetries(PayloadEntry top, String cause, String lastError) throws LivepatchException {
        Duration timeout = Duration.ofMillis(30);
        for (int attempt = 1; ; attempt++) {
            try {
                revertLocked(top, attempt == 1 ? ActionOptions.DEFAULT : ActionOptions.timeout(timeout), cause, lastError);
                return;
            } catch (LivepatchException x) {
                if (x.code() != ErrorCode.TIMEOUT || attempt == 5 || closed) {
                    throw x;
                }
                timeout = timeout.multipliedBy(4);
                emit(System.Logger.Level.WARNING, top.name, "automatic revert timed out (" + x.getMessage()
                        + "); trying again with a " + timeout.toMillis() + " ms timeout");
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Planning

    @FunctionalInterface
    private interface BytesView {
        byte[] bytes(ClassKey key, Class<?> type) throws IOException;
    }

    /**
     * The changes and new classes of applying {@code e}, checking every redefine's expectation
     * against {@code view} (the running record, or what it will be when a replace has reverted
     * the stack).
     */
    private Window.Plan plan(PayloadEntry e, BytesView view, String against) throws LivepatchException {
        List<PayloadEntry.Change> changes = new ArrayList<>();
        List<Window.NewClass> defines = new ArrayList<>();
        Manifest m = e.payload.manifest();
        for (ClassEntry c : m.classes()) {
            ClassKey key = ClassKey.of(c);
            byte[] bytes = e.payload.classBytes(c);
            if (c.kind() == ClassKind.REDEFINE) {
                Class<?> type = resolve(e.name, key);
                byte[] from;
                try {
                    from = view.bytes(key, type);
                } catch (IOException x) {
                    throw new LivepatchException(ErrorCode.CLASS_NOT_FOUND, "cannot read the bytes class " + key
                            + " was loaded from: " + x.getMessage(), x);
                }
                expect(e.name, c, from, against);
                changes.add(new PayloadEntry.Change(key, type, from, bytes));
                continue;
            }
            Class<?> already = record.definedClass(key);
            if (already != null) {
                byte[] now = record.recorded(key);
                if (!Arrays.equals(now, bytes)) {
                    changes.add(new PayloadEntry.Change(key, already, now, bytes));
                }
                continue;
            }
            ClassLoader loader = locator.loader(c.bundle(), c.bundleVersion()).orElseThrow(() -> new LivepatchException(
                    ErrorCode.CLASS_NOT_FOUND, "payload " + e.name + " defines " + c.className() + " in bundle " + c.bundle()
                    + " " + c.bundleVersion() + ", which is not installed in this host"));
            defines.add(new Window.NewClass(key, bytes, loader, anchor(e.name, key, loader, changes), e));
        }
        return new Window.Plan(changes, defines, changedMethods(changes));
    }

    /** A loaded class of the same package and loader to define a new class beside. */
    private Class<?> anchor(String name, ClassKey key, ClassLoader loader, List<PayloadEntry.Change> changes)
            throws LivepatchException {
        String pkg = key.packageName();
        for (PayloadEntry.Change c : changes) {
            if (c.type().getClassLoader() == loader && c.type().getPackageName().equals(pkg)) {
                return c.type();
            }
        }
        for (Class<?> d : record.definedClasses().values()) {
            if (d.getClassLoader() == loader && d.getPackageName().equals(pkg)) {
                return d;
            }
        }
        Optional<Class<?>> a = locator.packageAnchor(key.bundle(), key.bundleVersion(), pkg);
        if (a.isPresent() && a.get().getClassLoader() == loader) {
            return a.get();
        }
        if (loader instanceof ClassLocator.DefiningLoader) {
            return null;
        }
        throw new LivepatchException(ErrorCode.CLASS_NOT_FOUND, "payload " + name + " cannot define new class "
                + key.className() + ": no class of package " + pkg + " is loaded in bundle " + key.bundle()
                + " to define it beside; put it in a package the payload also redefines a class of");
    }

    private Map<String, Set<String>> changedMethods(List<PayloadEntry.Change> changes) {
        Map<String, Set<String>> out = new HashMap<>();
        for (PayloadEntry.Change c : changes) {
            Set<String> names = MethodDiff.changedMethods(c.from(), c.to());
            if (!names.isEmpty()) {
                out.computeIfAbsent(c.key().className(), k -> new TreeSet<>()).addAll(names);
            }
        }
        return out;
    }

    private void defineOutsideWindow(PayloadEntry e, Window.Plan plan) throws LivepatchException {
        for (Window.NewClass n : plan.defines()) {
            if (record.definedClass(n.key()) != null) {
                continue;
            }
            try {
                Class<?> type = n.anchor() != null
                        ? java.lang.invoke.MethodHandles.privateLookupIn(n.anchor(), java.lang.invoke.MethodHandles.lookup())
                        .defineClass(n.bytes())
                        : ((ClassLocator.DefiningLoader) n.loader()).defineLivepatchClass(n.key().className(), n.bytes());
                record.defined(n.key(), type, n.bytes());
                e.definedHere.add(n.key());
            } catch (Throwable t) {
                throw new LivepatchException(ErrorCode.APPLY_FAILED, "payload " + e.name + ": defining new class "
                        + n.key() + " failed: " + Window.describe(t) + "; nothing was applied", t);
            }
        }
    }

    private Class<?> resolve(String name, ClassKey key) throws LivepatchException {
        return locator.loadedClass(key.bundle(), key.bundleVersion(), key.className()).orElseThrow(() ->
                new LivepatchException(ErrorCode.CLASS_NOT_FOUND, "payload " + name + " redefines " + key.className()
                        + " of bundle " + key.bundle() + " " + key.bundleVersion() + ", which this host does not have;"
                        + " the payload was built for another set of bundles"));
    }

    private byte[] bytesOrRefuse(ClassKey key, Class<?> type, boolean original) throws LivepatchException {
        try {
            return original ? record.original(key, type) : record.current(key, type);
        } catch (IOException x) {
            throw new LivepatchException(ErrorCode.CLASS_NOT_FOUND, "cannot read the bytes class " + key
                    + " was loaded from: " + x.getMessage(), x);
        }
    }

    private byte[] currentOrRefuse(String name, ClassKey key, Class<?> type) throws LivepatchException {
        return bytesOrRefuse(key, type, false);
    }

    private static void expect(String name, ClassEntry c, byte[] running, String against) throws LivepatchException {
        Sha256 actual = Sha256.of(running);
        if (!actual.equals(c.expectedSha256())) {
            throw new LivepatchException(ErrorCode.EXPECTATION, "payload " + name + ": class " + c.className() + " of bundle "
                    + c.bundle() + " is not what the payload expects (" + against + "): running bytes have SHA-256 "
                    + actual + ", expected " + c.expectedSha256() + "; the payload was built against other code,"
                    + " or a payload it does not depend on changed the class");
        }
    }

    private void checkStacking(PayloadEntry e) throws LivepatchException {
        BuildId want = e.payload.manifest().dependsOn();
        PayloadEntry top = top();
        BuildId have = top == null ? null : top.payload.manifest().payloadBuildId();
        if (Objects.equals(want, have)) {
            return;
        }
        if (want == null) {
            throw new LivepatchException(ErrorCode.DEPENDENCY, e.name + " applies on the host build, but " + top.name
                    + " is applied; revert the applied payloads first, or use replace");
        }
        PayloadEntry dep = byBuildId(want);
        String depName = dep == null ? "payload " + want + " (not uploaded)" : dep.name;
        throw new LivepatchException(ErrorCode.DEPENDENCY, e.name + " depends on " + depName + ", but "
                + (top == null ? "no payload is applied" : "the top of the applied stack is " + top.name)
                + "; apply " + depName + " first (or use --nodeps to skip this check)");
    }

    /** Null when {@code e}'s classes all run its bytes ({@code all}) or none do (not {@code all}); else which differ. */
    private String appliedCheck(PayloadEntry e, boolean all) {
        List<String> wrong = new ArrayList<>();
        for (ClassEntry c : e.payload.manifest().classes()) {
            byte[] now = record.recorded(ClassKey.of(c));
            boolean applied = now != null && Sha256.of(now).equals(c.newSha256());
            if (applied != all) {
                wrong.add(c.className());
            }
        }
        if (wrong.isEmpty()) {
            return null;
        }
        if (!all && onlyNewClasses(e, wrong)) {
            return null;
        }
        return (all ? "not applied: " : "still applied: ") + wrong;
    }

    /** New classes stay defined after a rollback; they do not count as "still applied". */
    private static boolean onlyNewClasses(PayloadEntry e, List<String> wrong) {
        for (ClassEntry c : e.payload.manifest().classes()) {
            if (wrong.contains(c.className()) && c.kind() != ClassKind.DEFINE) {
                return false;
            }
        }
        return true;
    }

    /** Null when every change's class runs its {@code to} (or {@code from}) bytes by the record. */
    private String sameAs(List<PayloadEntry.Change> changes, boolean to) {
        List<String> wrong = new ArrayList<>();
        for (PayloadEntry.Change c : changes) {
            if (!Arrays.equals(record.recorded(c.key()), to ? c.to() : c.from())) {
                wrong.add(c.key().className());
            }
        }
        return wrong.isEmpty() ? null : "classes not in the expected state: " + wrong;
    }

    // ------------------------------------------------------------------------------------------
    // Hooks

    private Map<HookPhase, HookRunner.Call> resolveHooks(PayloadEntry e) throws LivepatchException {
        Map<HookPhase, HookRunner.Call> out = new HashMap<>();
        for (Hook h : e.payload.manifest().hooks()) {
            out.put(h.phase(), new HookRunner.Call(h.phase().jsonName(), hookMethod(e, h)));
        }
        return out;
    }

    private Method hookMethod(PayloadEntry e, Hook h) throws LivepatchException {
        Class<?> type = null;
        for (Map.Entry<ClassKey, Class<?>> d : record.definedClasses().entrySet()) {
            if (d.getKey().bundle().equals(h.bundle()) && d.getKey().className().equals(h.className())) {
                type = d.getValue();
            }
        }
        try {
            if (type == null) {
                ClassLoader loader = locator.loader(h.bundle(), null).orElseThrow(() -> new ClassNotFoundException(
                        "bundle " + h.bundle() + " is not installed"));
                type = Class.forName(h.className(), false, loader);
            }
            Method m = type.getDeclaredMethod(h.method());
            if (!Modifier.isStatic(m.getModifiers()) || m.getReturnType() != void.class) {
                throw new NoSuchMethodException("it is not static void");
            }
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError x) {
            throw new LivepatchException(ErrorCode.HOOK_FAILED, "payload " + e.name + ": " + h.phase().jsonName()
                    + " hook " + h.className() + "." + h.method() + "() cannot be found: " + x.getMessage()
                    + "; a hook is a static void method without arguments", x);
        }
    }

    private void runPreHook(PayloadEntry e, HookRunner.Call call, String action) throws LivepatchException {
        if (call == null) {
            return;
        }
        try {
            hooks.run(call, config.hookTimeout());
        } catch (HookRunner.Failure f) {
            throw new LivepatchException(ErrorCode.HOOK_FAILED, action + " " + e.name + " vetoed: " + f.getMessage()
                    + "; nothing was changed", f.getCause());
        }
    }

    private void runPostHook(PayloadEntry e, HookRunner.Call call, List<String> notes) {
        if (call == null) {
            return;
        }
        try {
            hooks.run(call, config.hookTimeout());
        } catch (HookRunner.Failure f) {
            String msg = f.getMessage() + " (after the action; nothing was undone)";
            notes.add(msg);
            e.lastError = ErrorCode.HOOK_FAILED + ": " + msg;
            emit(System.Logger.Level.WARNING, e.name, msg);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Plumbing

    @FunctionalInterface
    private interface Body<T> {
        T run() throws LivepatchException;
    }

    /** The end record of an upload names the kept file, for recovery. */
    private static JournalRecord uploaded(JournalRecord end, PayloadStatus status) {
        return end.withPayloadBuildId(status.payloadBuildId().hex())
                .withFile(PAYLOAD_DIR + "/" + status.payloadBuildId().hex() + ".hvp");
    }

    private <T> T journaled(JournalRecord begin, PayloadEntry e, Body<T> body) throws LivepatchException {
        return journaled(begin, e, body, (end, result) -> end);
    }

    /** Journals {@code begin}, runs the body, journals its end; records a failure on {@code e}. */
    private <T> T journaled(JournalRecord begin, PayloadEntry e, Body<T> body,
                            java.util.function.BiFunction<JournalRecord, T, JournalRecord> okEnd) throws LivepatchException {
        JournalRecord written = append(begin);
        T result;
        try {
            result = body.run();
        } catch (LivepatchException x) {
            if (e != null && x.code() != ErrorCode.BUSY) {
                e.lastError = x.code() + ": " + x.getMessage();
            }
            String outcome = x.rolledBack() || x.code() == ErrorCode.INCONSISTENT ? JournalRecord.FAILED : JournalRecord.REFUSED;
            try {
                append(JournalRecord.end(written, outcome, x.code().name(), x.getMessage()));
            } catch (LivepatchException io) {
                x.addSuppressed(io);
            }
            emit(x.code() == ErrorCode.INCONSISTENT ? System.Logger.Level.ERROR : System.Logger.Level.WARNING,
                    begin.name(), begin.action() + " " + outcome + ": " + x.code() + ": " + x.getMessage());
            throw x;
        } catch (RuntimeException x) {
            try {
                append(JournalRecord.end(written, JournalRecord.REFUSED, "INTERNAL", x.toString()));
            } catch (LivepatchException io) {
                x.addSuppressed(io);
            }
            throw x;
        }
        append(okEnd.apply(JournalRecord.end(written, JournalRecord.OK, null, null), result));
        return result;
    }

    private JournalRecord append(JournalRecord r) throws LivepatchException {
        try {
            return journal.append(r);
        } catch (IOException x) {
            throw new LivepatchException(ErrorCode.IO_ERROR, "cannot write the livepatch journal " + journal.file()
                    + ": " + x.getMessage() + "; check the state directory", x);
        }
    }

    private static void writeDurably(Path file, byte[] bytes) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), ".upload-", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private void acquire(String what) throws LivepatchException {
        if (closed) {
            throw new LivepatchException(ErrorCode.WRONG_STATE, "the livepatch agent is closed");
        }
        if (!permit.tryAcquire()) {
            String running = inProgress;
            throw new LivepatchException(ErrorCode.BUSY, "Operation already in progress"
                    + (running == null ? "" : " (" + running + ")") + "; " + what + " was not started. Retry when it has finished.");
        }
        inProgress = what;
    }

    private void release() {
        inProgress = null;
        permit.release();
    }

    private synchronized PayloadEntry entry(String name) {
        return table.get(name);
    }

    private synchronized PayloadEntry byBuildId(BuildId id) {
        for (PayloadEntry e : table.values()) {
            if (e.payload.manifest().payloadBuildId().equals(id)) {
                return e;
            }
        }
        return null;
    }

    private synchronized boolean stackHasBundleUpdate() {
        return stack.stream().anyMatch(p -> p.payload.manifest().kind() == PayloadKind.BUNDLE_UPDATE);
    }

    private synchronized PayloadEntry top() {
        return stack.isEmpty() ? null : stack.get(stack.size() - 1);
    }

    private PayloadEntry require(String name) throws LivepatchException {
        PayloadEntry e = entry(name);
        if (e == null) {
            throw new LivepatchException(ErrorCode.NOT_FOUND, "no payload named " + name + " is uploaded;"
                    + " see the list for the uploaded ones");
        }
        return e;
    }

    private static void requireState(PayloadEntry e, PayloadState expected) throws LivepatchException {
        if (e.state != expected) {
            throw new LivepatchException(ErrorCode.WRONG_STATE, e.name + " is in the wrong state. Current state: "
                    + e.state + ". Expected state: " + expected + ".");
        }
    }

    private Duration timeout(ActionOptions options) {
        Duration t = options.timeout();
        return t == null || t.isZero() || t.isNegative() ? config.rendezvousTimeout() : t;
    }

    private static List<HookRunner.Call> optional(HookRunner.Call call) {
        return call == null ? List.of() : List.of(call);
    }

    private static List<PayloadEntry> concat(List<PayloadEntry> list, PayloadEntry one) {
        List<PayloadEntry> out = new ArrayList<>(list);
        out.add(one);
        return out;
    }

    private static ActionReport report(String action, String name, int classes, RendezvousReport r, List<String> notes) {
        return report(action, name, classes, r.quiesceNanos(), r.windowNanos(), r.pauseNanos(), notes);
    }

    private static ActionReport report(String action, String name, int classes, long quiesceNanos, long windowNanos,
                                       long pauseNanos, List<String> notes) {
        int loaded = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
        return new ActionReport(action, name, classes, quiesceNanos, windowNanos, pauseNanos, loaded, notes);
    }

    private void emit(System.Logger.Level level, String name, String message) {
        LivepatchEvent event = new LivepatchEvent(clock.instant(), level, name, message);
        LOG.log(level, event.toString());
        try {
            config.events().accept(event);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "livepatch event sink failed", e);
        }
    }

    /** Ends the health watch and the hook threads, and closes the journal. Applied payloads stay applied. */
    @Override
    public void close() {
        closed = true;
        watch.close();
        hooks.close();
        try {
            journal.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the livepatch journal failed", e);
        }
    }
}
