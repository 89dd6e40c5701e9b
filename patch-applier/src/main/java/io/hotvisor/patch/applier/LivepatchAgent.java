package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.health.AutoRevert;
import io.hotvisor.patch.applier.journal.Journal;
import io.hotvisor.patch.applier.journal.JournalRecord;
import io.hotvisor.patch.format.AtomicFiles;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.PayloadKind;
import io.hotvisor.patch.format.payload.Payload;
import io.hotvisor.patch.format.sign.TrustStore;
import io.hotvisor.stopmachine.StopMachine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The livepatch agent: Xen's livepatch state machine for the JVM, as one facade over the rooms that
 * do the work.
 *
 * <pre>
 *   upload ──► CHECKED ──apply/replace──► APPLIED ──revert──► CHECKED ──unload──► (gone)
 *                 ▲  └─ any failure: stays CHECKED ┘  └─ any failure: stays APPLIED
 * </pre>
 *
 * <p>Who does what: {@link UploadCheck} decides whether a payload may enter the table;
 * {@link PayloadTable} holds the payloads and the applied stack and is the only place a state
 * changes; an {@link Action} per mechanism ({@link RedefinitionAction}, {@link BundleUpdateAction})
 * applies and reverts, planned by the {@link Planner} and run in a stop-machine {@link Window};
 * {@link ActionJournal} serialises actions and journals each one; {@link Recovery} re-applies the
 * journaled stack at boot; {@link AutoRevert} reverts a payload whose health checks fail.
 *
 * <p>Applied payloads form a stack: a payload applies only on the payload its depends-on names
 * (the host build when it names none), only the top can be reverted, and {@code replace} reverts
 * the whole stack and applies one payload in a single window.
 *
 * <p>Thread-safe: actions are serialised; an action asked for while another runs (including by a
 * hook of the running action) is refused at once with {@link ErrorCode#BUSY}, never queued or
 * interleaved. {@link #list()} never waits for an action and never sees one half done.
 *
 * <p>Hook semantics: hooks are {@code public static void} no-argument methods named in the
 * manifest. Pre-apply and pre-revert hooks veto the action by throwing; the apply and revert hooks
 * run inside the window after the class batch and roll the action back by throwing; post-apply and
 * post-revert hooks run after the pCPUs resume, whether the window succeeded or not (Xen's
 * {@code action_hooks_noapply}), and cannot undo anything.
 */
public final class LivepatchAgent implements AutoCloseable {
    static final String PAYLOAD_DIR = "payloads";

    private final BuildId hostBuildId;
    private final Path stateDir;
    private final AgentConfig config;
    private final Clock clock;
    private final Events events;
    private final PayloadTable table = new PayloadTable();
    private final ActionJournal actions;
    private final HookRunner hookRunner = new HookRunner();
    private final AutoRevert autoRevert;
    private final UploadCheck uploadCheck;
    private final RedefinitionAction redefinition;
    private final BundleUpdateAction bundleUpdate;
    private final Recovery recovery;
    private final Repair repair;

    /**
     * @param hostBuildId  the running host's build-id; payloads must target it
     * @param trust        the keys payloads must be signed with
     * @param stateDir     where the journal and uploaded payloads live (created if absent)
     * @param redefiner    redefines classes ({@link ClassRedefiner.ForInstrumentation} in production)
     * @param locator      finds the host's classes and bundle loaders
     * @param stopMachine  parks every pCPU (the host's rendezvous in production)
     * @param runningBytes the bytes classes were loaded with ({@link RunningBytes.FromClassLoader})
     * @param clock        for journal times and applied-at
     * @param config       timeouts, health checks, event sink
     * @throws LivepatchException never for the state directory: one that cannot be used, or a damaged
     *                            journal, leaves the agent DEGRADED (it refuses actions and says why)
     */
    public LivepatchAgent(BuildId hostBuildId, TrustStore trust, Path stateDir, ClassRedefiner redefiner,
                          ClassLocator locator, StopMachine stopMachine, RunningBytes runningBytes, Clock clock,
                          AgentConfig config) throws LivepatchException {
        this.hostBuildId = Objects.requireNonNull(hostBuildId, "hostBuildId");
        this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(trust, "trust");
        Objects.requireNonNull(locator, "locator");
        this.events = new Events(clock, config.events());
        Repair.Opened opened = Repair.open(stateDir, clock, hostBuildId, events);
        this.actions = new ActionJournal(opened.journal(), opened.degraded(), table, events, config.taints(),
                config.faultPoint() == null ? FaultPoint.NONE : FaultPoint.armed(config.faultPoint()));
        ClassRecord record = new ClassRecord(Objects.requireNonNull(runningBytes, "runningBytes"));
        ClassDefiner definer = new ClassDefiner(record, table);
        Planner planner = new Planner(record, locator, definer);
        Window window = new Window(record, definer, Objects.requireNonNull(redefiner, "redefiner"),
                Objects.requireNonNull(stopMachine, "stopMachine"), hookRunner, config.windowHookTimeout(), actions::reach, config.afterBatch());
        PayloadHooks hooks = new PayloadHooks(record, locator, hookRunner, table, events, config.hookTimeout());
        this.autoRevert = new AutoRevert(new HealthTarget(this, table, actions, events), config.healthChecks(), config.healthWindow(),
                config.healthPeriod(), config.rendezvousTimeout());
        this.redefinition = new RedefinitionAction(table, planner, record, window, hooks, autoRevert, clock, events);
        this.bundleUpdate = new BundleUpdateAction(table, autoRevert, clock, events);
        this.uploadCheck = new UploadCheck(trust, hostBuildId, table, planner, this::action, config.mechanism());
        this.recovery = new Recovery(actions, table, stateDir, hostBuildId, events);
        this.repair = new Repair(actions, table, stateDir, hostBuildId, clock, events);
    }

    /**
     * Lets this agent apply {@code bundle-update} payloads through {@code updater}. Call before
     * {@link #recover()}, so that recovered bundle updates can be applied again.
     */
    public void bundleUpdater(BundleUpdater updater) {
        bundleUpdate.updater(updater);
    }

    /** The table now; never waits for a running action. */
    public Listing list() {
        return table.listing(actions.inProgress(), autoRevert.watching(), actions.degraded());
    }

    /** One payload's row, or empty when no payload has that name. */
    public Optional<PayloadStatus> get(String name) {
        return table.status(name);
    }

    /** The build-id payloads must target. */
    public BuildId hostBuildId() {
        return hostBuildId;
    }

    /** The journal file, for operators and tests. */
    public Path journalFile() {
        return stateDir.resolve(Journal.FILE);
    }

    /** Why this agent is DEGRADED (it refuses every action until recovered), or empty when it is not. */
    public Optional<String> degraded() {
        return Optional.ofNullable(actions.degraded());
    }

    /**
     * Verifies a payload and adds it to the table as CHECKED, keeping its file in the state directory.
     *
     * @param name  the name to upload it under, the caller's choice (as with xen-livepatch)
     * @param bytes the payload file
     * @throws LivepatchException BUSY, BAD_NAME, EXISTS, BAD_PAYLOAD, WRONG_BUILD, NOTHING_TO_PATCH,
     *                            CLASS_NOT_FOUND, EXPECTATION, UNSUPPORTED, IO_ERROR
     */
    public PayloadStatus upload(String name, byte[] bytes) throws LivepatchException {
        actions.begin("upload " + name);
        try {
            return uploadLocked(name, bytes);
        } finally {
            actions.end();
        }
    }

    private PayloadStatus uploadLocked(String name, byte[] bytes) throws LivepatchException {
        return actions.journaled(JournalRecord.begin("upload", name, null), null, () -> {
            Payload payload = uploadCheck.check(name, bytes);
            Path file = stateDir.resolve(PAYLOAD_DIR).resolve(payload.manifest().payloadBuildId().hex() + ".hvp");
            try {
                AtomicFiles.write(file, bytes);
            } catch (IOException e) {
                throw new LivepatchException(ErrorCode.IO_ERROR, "cannot keep payload " + name + " in " + file + ": "
                        + e.getMessage(), e);
            }
            PayloadTable.Entry e = table.uploaded(name, payload, file);
            events.info(name, "uploaded (payload build-id " + payload.manifest().payloadBuildId() + ")");
            return table.status(e);
        }, (end, status) -> end.withPayloadBuildId(status.payloadBuildId().hex())
                .withFile(PAYLOAD_DIR + "/" + status.payloadBuildId().hex() + ".hvp"));
    }

    /**
     * Removes a CHECKED payload from the table and its file from the state directory. New classes
     * it defined while applied stay loaded (the JVM cannot undefine a class).
     *
     * @throws LivepatchException BUSY, NOT_FOUND, WRONG_STATE, IO_ERROR
     */
    public void unload(String name) throws LivepatchException {
        actions.begin("unload " + name);
        try {
            PayloadTable.Entry e = require(name);
            actions.journaled(begin("unload", e), e, () -> {
                requireState(e, PayloadState.CHECKED);
                table.unloaded(e);
                autoRevert.stop(name);
                try {
                    Files.deleteIfExists(e.file());
                } catch (IOException x) {
                    events.warning(name, "unloaded, but its file " + e.file() + " could not be deleted: " + x.getMessage());
                }
                events.info(name, "unloaded");
                return null;
            });
        } finally {
            actions.end();
        }
    }

    /** {@link #apply(String, ActionOptions)} with the default options. */
    public ActionReport apply(String name) throws LivepatchException {
        return apply(name, ActionOptions.DEFAULT);
    }

    /**
     * Applies a CHECKED payload: CHECKED to APPLIED, or stays CHECKED with the error recorded. An
     * APPLIED payload needs no action: the report says so ({@link ActionReport#noAction()}), as
     * {@code xen-livepatch} does.
     *
     * @throws LivepatchException BUSY, NOT_FOUND, WRONG_STATE, DEPENDENCY, CLASS_NOT_FOUND, EXPECTATION,
     *                            HOOK_FAILED, TIMEOUT, ACTIVE, APPLY_FAILED, INCONSISTENT, IO_ERROR
     */
    public ActionReport apply(String name, ActionOptions options) throws LivepatchException {
        actions.begin("apply " + name);
        try {
            PayloadTable.Entry e = require(name);
            if (table.state(e) == PayloadState.APPLIED) {
                return ActionReport.noAction("apply", name, PayloadState.APPLIED);
            }
            return applyLocked(e, options, null);
        } finally {
            actions.end();
        }
    }

    private ActionReport applyLocked(PayloadTable.Entry e, ActionOptions options, String cause) throws LivepatchException {
        JournalRecord begin = begin("apply", e).withNodeps(options.nodeps()).withCause(cause);
        return actions.journaled(begin, e, () -> {
            requireState(e, PayloadState.CHECKED);
            if (!options.nodeps()) {
                StackRules.checkStacking(table, e);
            }
            return action(e.manifest()).apply(e, resolved(options));
        });
    }

    /** {@link #revert(String, ActionOptions)} with the default options. */
    public ActionReport revert(String name) throws LivepatchException {
        return revert(name, ActionOptions.DEFAULT);
    }

    /**
     * Reverts the most recently applied payload: APPLIED to CHECKED, or stays APPLIED with the
     * error recorded. Its new classes stay loaded, unreachable. A CHECKED payload needs no action.
     *
     * @throws LivepatchException BUSY, NOT_FOUND, WRONG_STATE, NOT_TOP, HOOK_FAILED, TIMEOUT, ACTIVE,
     *                            APPLY_FAILED, INCONSISTENT, IO_ERROR
     */
    public ActionReport revert(String name, ActionOptions options) throws LivepatchException {
        actions.begin("revert " + name);
        try {
            PayloadTable.Entry e = require(name);
            if (table.state(e) == PayloadState.CHECKED) {
                return ActionReport.noAction("revert", name, PayloadState.CHECKED);
            }
            return revertLocked(e, options, null, null);
        } finally {
            actions.end();
        }
    }

    /**
     * @param cause      why (journaled), or null for an operator's revert
     * @param errorAfter the payload's last error once reverted, recorded together with its state so a
     *                   listing never shows the new state without its reason
     */
    ActionReport revertLocked(PayloadTable.Entry e, ActionOptions options, String cause, String errorAfter)
            throws LivepatchException {
        return actions.journaled(begin("revert", e).withCause(cause), e, () -> {
            requireState(e, PayloadState.APPLIED);
            PayloadTable.Entry top = table.top();
            if (top != e) {
                throw new LivepatchException(ErrorCode.NOT_TOP, e.name() + " is not the most recently applied payload: "
                        + top.name() + " is applied on top of it; revert " + top.name()
                        + " first (payloads revert in LIFO order)");
            }
            return action(e.manifest()).revert(e, resolved(options), errorAfter);
        });
    }

    /** {@link #replace(String, ActionOptions)} with the default options. */
    public ActionReport replace(String name) throws LivepatchException {
        return replace(name, ActionOptions.DEFAULT);
    }

    /**
     * Reverts every applied payload (top first) and applies {@code name}, in one window: afterwards
     * {@code name} is the whole stack, or nothing changed. Refused for bundle updates, and when any
     * payload involved has pre- or post-hooks (they would run outside the single window).
     *
     * @throws LivepatchException as {@link #apply}, and UNSUPPORTED
     */
    public ActionReport replace(String name, ActionOptions options) throws LivepatchException {
        actions.begin("replace " + name);
        try {
            PayloadTable.Entry e = require(name);
            if (table.stack().equals(List.of(e))) {
                return ActionReport.noAction("replace", name, PayloadState.APPLIED);
            }
            return actions.journaled(begin("replace", e), e, () -> {
                requireState(e, PayloadState.CHECKED);
                StackRules.checkReplace(table, e, options);
                return redefinition.replace(e, resolved(options));
            });
        } finally {
            actions.end();
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

    /**
     * At boot, before guests start: uploads again every payload the journal says is uploaded, then
     * re-applies the applied stack in order, and says what it did ({@link Recovery}).
     *
     * @throws LivepatchException BUSY; WRONG_STATE when payloads are already uploaded;
     *                            RECOVERY_REFUSED when the journal's stack was applied by another
     *                            host build (nothing is re-applied); IO_ERROR
     */
    public RecoveryReport recover() throws LivepatchException {
        actions.beginRecovery("recover");
        try {
            String why = actions.degraded();
            if (why != null) {
                String line = "livepatch is DEGRADED: " + why + "; nothing was uploaded or re-applied. Run 'hvctl livepatch"
                        + " recover' to see what recovery will do";
                events.error(null, line);
                return new RecoveryReport(List.of(), List.of(), List.of(), 0, List.of(line));
            }
            return recovery.run(recoverySteps());
        } finally {
            actions.end();
        }
    }

    /**
     * The operator's recovery from DEGRADED ({@code hvctl livepatch recover}): without
     * {@code confirm}, what it would do; with it, done ({@link Repair}).
     *
     * @return one line per step
     * @throws LivepatchException BUSY, IO_ERROR when the state directory still cannot be used
     */
    public List<String> repair(boolean confirm) throws LivepatchException {
        actions.beginRecovery("recover");
        try {
            return repair.run(confirm, recovery, recoverySteps());
        } finally {
            actions.end();
        }
    }

    private Recovery.Steps recoverySteps() {
        return new Recovery.Steps() {
            @Override
            public void upload(String name, byte[] bytes) throws LivepatchException {
                uploadLocked(name, bytes);
            }

            @Override
            public ActionReport reapply(PayloadTable.Entry e) throws LivepatchException {
                return applyLocked(e, new ActionOptions(null, true), "recover");
            }
        };
    }

    /** The mechanism that applies payloads of this manifest's kind. */
    private Action action(Manifest m) {
        return m.kind() == PayloadKind.BUNDLE_UPDATE ? bundleUpdate : redefinition;
    }

    private PayloadTable.Entry require(String name) throws LivepatchException {
        PayloadTable.Entry e = table.get(name);
        if (e == null) {
            throw new LivepatchException(ErrorCode.NOT_FOUND, "no payload named " + name + " is uploaded;"
                    + " see the list for the uploaded ones");
        }
        return e;
    }

    private void requireState(PayloadTable.Entry e, PayloadState expected) throws LivepatchException {
        PayloadState state = table.state(e);
        if (state != expected) {
            throw new LivepatchException(ErrorCode.WRONG_STATE, e.name() + " is in the wrong state. Current state: "
                    + state + ". Expected state: " + expected + ".");
        }
    }

    private static JournalRecord begin(String action, PayloadTable.Entry e) {
        return JournalRecord.begin(action, e.name(), e.manifest().payloadBuildId().hex());
    }

    /** The options with the configured timeout filled in. */
    private ActionOptions resolved(ActionOptions options) {
        Duration t = options.timeout();
        return t == null || t.isZero() || t.isNegative() ? new ActionOptions(config.rendezvousTimeout(), options.nodeps())
                : options;
    }

    /** Ends the health watch and the hook threads, and closes the journal. Applied payloads stay applied. */
    @Override
    public void close() {
        autoRevert.close();
        actions.close();
        hookRunner.close();
    }
}
