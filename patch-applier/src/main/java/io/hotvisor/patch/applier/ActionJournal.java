package io.hotvisor.patch.applier;

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
 */
final class ActionJournal implements AutoCloseable {
    private final Semaphore permit = new Semaphore(1);
    private final Journal journal;
    private final PayloadTable table;
    private final Events events;
    private volatile String inProgress;
    private volatile boolean closed;

    ActionJournal(Journal journal, PayloadTable table, Events events) {
        this.journal = journal;
        this.table = table;
        this.events = events;
    }

    /** A body of an action, run with the permit held. */
    @FunctionalInterface
    interface Body<T> {
        T run() throws LivepatchException;
    }

    /** Takes the permit for {@code what} ("apply NAME"), or refuses as busy. */
    void begin(String what) throws LivepatchException {
        if (closed) {
            throw new LivepatchException(ErrorCode.WRONG_STATE, "the livepatch agent is closed");
        }
        if (!tryBegin(what)) {
            String running = inProgress;
            throw new LivepatchException(ErrorCode.BUSY, "Operation already in progress"
                    + (running == null ? "" : " (" + running + ")") + "; " + what + " was not started. Retry when it has finished.");
        }
    }

    /** Takes the permit for {@code what} if it is free; false at once otherwise. */
    boolean tryBegin(String what) {
        if (closed || !permit.tryAcquire()) {
            return false;
        }
        inProgress = what;
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

    Journal journal() {
        return journal;
    }

    <T> T journaled(JournalRecord begin, PayloadTable.Entry e, Body<T> body) throws LivepatchException {
        return journaled(begin, e, body, (end, result) -> end);
    }

    /** Journals {@code begin}, runs the body, journals its end; records a failure on {@code e}. */
    <T> T journaled(JournalRecord begin, PayloadTable.Entry e, Body<T> body,
                    BiFunction<JournalRecord, T, JournalRecord> okEnd) throws LivepatchException {
        JournalRecord written = append(begin);
        T result;
        try {
            result = body.run();
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
        return result;
    }

    JournalRecord append(JournalRecord r) throws LivepatchException {
        try {
            return journal.append(r);
        } catch (IOException x) {
            throw new LivepatchException(ErrorCode.IO_ERROR, "cannot write the livepatch journal " + journal.file()
                    + ": " + x.getMessage() + "; check the state directory", x);
        }
    }

    /** Refuses new actions from now on and closes the journal. */
    @Override
    public void close() {
        closed = true;
        try {
            journal.close();
        } catch (IOException e) {
            events.warning(null, "closing the livepatch journal failed: " + e.getMessage());
        }
    }
}
