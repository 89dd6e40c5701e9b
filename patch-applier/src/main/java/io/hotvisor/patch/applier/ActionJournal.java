package io.hotvisor.patch.applier;

import io.hotvisor.control.Taints;
import io.hotvisor.patch.applier.health.AutoRevert;
import io.hotvisor.patch.applier.journal.Journal;
import io.hotvisor.patch.applier.journal.JournalRecord;

import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.function.BiFunction;

/**
 * The action permit and the journal around every action.
 *
 * <p>One action at a time, never queued: {@link #begin} takes the permit or refuses at once with
 * {@link ErrorCode#BUSY} naming the running action (Xen's "Operation already in progress"), and
 * {@link #tryBegin} is the same without the refusal for the health watch's automatic revert. The
 * holder of the permit is the only thread that acts on the payload table and the class record.
 *
 * <p>{@link #journaled} writes an action's begin record before it takes effect and its end record,
 * with the outcome, after; a failure is also recorded on the payload, so a listing shows why.
 *
 * <p>Fail closed: while the agent is DEGRADED (a damaged journal, an unusable state directory)
 * every action is refused with {@link ErrorCode#DEGRADED} naming why, except the operator's
 * explicit recovery ({@link #beginRecovery}). There is then no journal, or one that refuses appends.
 */
final class ActionJournal implements AutoCloseable {
    private final Semaphore permit = new Semaphore(1);
    private volatile Journal journal;
    private volatile String degraded;
    private final PayloadTable table;
    private final Events events;
    private final Taints taints;
    private final FaultPoint faultPoint;
    private volatile String inProgress;
    /** Whether the permit's holder is an operator's action (not recovery, not the health watch). */
    private volatile boolean operator;
    private volatile boolean closed;

    /**
     * @param journal  the journal, or null when the state directory cannot be used
     * @param degraded why the agent cannot trust its state, or null
     * @param taints   the host's taint flags, set here as actions end (the one place that knows
     *                 every action's outcome, operator and cause)
     * @param faultPoint where an operator's action stops for a fault-injection run, or {@link FaultPoint#NONE}
     */
    ActionJournal(Journal journal, String degraded, PayloadTable table, Events events, Taints taints, FaultPoint faultPoint) {
        this.journal = journal;
        this.table = table;
        this.events = events;
        this.taints = taints;
        this.faultPoint = faultPoint;
        degraded(degraded);
    }

    /** A body of an action, run with the permit held. */
    @FunctionalInterface
    interface Body<T> {
        T run() throws LivepatchException;
    }

    /** Takes the permit for {@code what} ("apply NAME"), or refuses as busy. */
    void begin(String what) throws LivepatchException {
        String why = degraded;
        if (why != null && !closed) {
            throw new LivepatchException(ErrorCode.DEGRADED, "livepatch is DEGRADED: " + why + "; " + what
                    + " was not started. Run 'hvctl livepatch recover' to see what recovery will do");
        }
        beginRecovery(what);
        operator = true;
    }

    /** Takes the permit even while DEGRADED: the operator's recovery. */
    void beginRecovery(String what) throws LivepatchException {
        if (closed) {
            throw new LivepatchException(ErrorCode.WRONG_STATE, "the livepatch agent is closed");
        }
        if (!acquire(what)) {
            String running = inProgress;
            throw new LivepatchException(ErrorCode.BUSY, "Operation already in progress"
                    + (running == null ? "" : " (" + running + ")") + "; " + what + " was not started. Retry when it has finished.");
        }
    }

    /** Takes the permit for {@code what} if it is free (and the agent is not DEGRADED); false at once otherwise. */
    boolean tryBegin(String what) {
        return degraded == null && acquire(what);
    }

    private boolean acquire(String what) {
        if (closed || !permit.tryAcquire()) {
            return false;
        }
        inProgress = what;
        operator = false;
        return true;
    }

    /** Gives the permit back. */
    void end() {
        inProgress = null;
        permit.release();
    }

    /** The action running now, or null. */
    String inProgress() {
        return inProgress;
    }

    boolean closed() {
        return closed;
    }

    /** The journal; null only while DEGRADED because the state directory could not be used. */
    Journal journal() {
        return journal;
    }

    /** Why the agent is DEGRADED, or null. */
    String degraded() {
        return degraded;
    }

    /** Enters or leaves the DEGRADED state; only the holder of the permit (a recovery) calls it. */
    void degraded(String why) {
        this.degraded = why;
        if (why != null) {
            taints.set(Taints.Flag.DEGRADED, "livepatch: " + why);
        }
    }

    /** A new journal after a recovery; only the holder of the permit calls it. */
    void journal(Journal replacement) {
        this.journal = replacement;
    }

    <T> T journaled(JournalRecord begin, PayloadTable.Entry e, Body<T> body) throws LivepatchException {
        return journaled(begin, e, body, (end, result) -> end);
    }

    /** Journals {@code begin}, runs the body, journals its end; records a failure on {@code e}. */
    <T> T journaled(JournalRecord begin, PayloadTable.Entry e, Body<T> body,
                    BiFunction<JournalRecord, T, JournalRecord> okEnd) throws LivepatchException {
        JournalRecord written = append(begin);
        reach(begin.action(), FaultPoint.BEGUN);
        T result;
        try {
            result = body.run();
            reach(begin.action(), FaultPoint.DONE);
        } catch (LivepatchException x) {
            if (e != null && x.code() != ErrorCode.BUSY) {
                table.failed(e, x.code() + ": " + x.getMessage());
            }
            String outcome = x.rolledBack() || x.code() == ErrorCode.INCONSISTENT ? JournalRecord.FAILED : JournalRecord.REFUSED;
            try {
                append(JournalRecord.end(written, outcome, x.code().name(), x.getMessage()));
            } catch (LivepatchException io) {
                x.addSuppressed(io);
            }
            events.emit(x.code() == ErrorCode.INCONSISTENT ? System.Logger.Level.ERROR : System.Logger.Level.WARNING,
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
        taint(written);
        reach(begin.action(), FaultPoint.ENDED);
        return result;
    }

    /** A fault-injection point of an operator's action ({@link FaultPoint}); returns at once unless armed there. */
    void reach(String action, String phase) {
        if (operator) {
            faultPoint.reach(action, phase, events);
        }
    }

    /** The taint flags an action that succeeded leaves on the host. */
    private void taint(JournalRecord r) {
        String payload = r.name() + (r.payloadBuildId() == null ? "" : " (payload build-id " + r.payloadBuildId() + ")");
        boolean operator = r.cause() == null;
        switch (r.action()) {
            case "apply", "replace" -> taints.set(Taints.Flag.LIVEPATCH, "livepatch: " + r.action() + " " + payload
                    + (operator ? "" : ", " + r.cause()));
            case "revert" -> {
                if (!operator && r.cause().startsWith(AutoRevert.CAUSE)) {
                    taints.set(Taints.Flag.HEALTH_REVERT, "livepatch: " + payload + " reverted, " + r.cause());
                }
            }
            default -> { }
        }
        if (operator && Boolean.TRUE.equals(r.nodeps())) {
            taints.set(Taints.Flag.FORCED, "livepatch: " + r.action() + " " + payload + " --nodeps");
        }
    }

    JournalRecord append(JournalRecord r) throws LivepatchException {
        Journal j = journal;
        if (j == null) {
            throw new LivepatchException(ErrorCode.DEGRADED, "livepatch is DEGRADED: " + degraded);
        }
        try {
            return j.append(r);
        } catch (IOException x) {
            throw new LivepatchException(ErrorCode.IO_ERROR, "cannot write the livepatch journal " + j.file()
                    + ": " + x.getMessage() + "; check the state directory", x);
        }
    }

    /** Refuses new actions from now on and closes the journal. */
    @Override
    public void close() {
        closed = true;
        Journal j = journal;
        try {
            if (j != null) {
                j.close();
            }
        } catch (IOException e) {
            events.warning(null, "closing the livepatch journal failed: " + e.getMessage());
        }
    }
}
