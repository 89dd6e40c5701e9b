package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.journal.JournalRecord;
import io.hotvisor.patch.applier.journal.Replay;
import io.hotvisor.patch.format.BuildId;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Boot-time recovery from the journal (its {@link Replay}): the payloads it says are uploaded are
 * uploaded again from the state directory, then the applied stack is re-applied in order. Only a
 * host of the same build re-applies; an action the journal shows begun and never ended is reported
 * and treated as not applied (the process died during it, and the JVM that might have had it
 * applied is gone). Re-applies skip the stacking check (the order is the journal's) but not the
 * expectations. Runs with the action permit held.
 */
final class Recovery {
    /** Upload and apply as the agent does them, permit already held. */
    interface Steps {
        void upload(String name, byte[] bytes) throws LivepatchException;

        ActionReport reapply(PayloadTable.Entry e) throws LivepatchException;
    }

    private final ActionJournal actions;
    private final PayloadTable table;
    private final Path stateDir;
    private final BuildId hostBuildId;
    private final Events events;

    Recovery(ActionJournal actions, PayloadTable table, Path stateDir, BuildId hostBuildId, Events events) {
        this.actions = actions;
        this.table = table;
        this.stateDir = stateDir;
        this.hostBuildId = hostBuildId;
        this.events = events;
    }

    /**
     * Uploads again, from the state directory, every payload whose upload record is in {@code uploads};
     * says in {@code lines} what happened to each, and returns the names uploaded.
     */
    List<String> reupload(Collection<JournalRecord> uploads, Steps steps, List<String> lines) {
        List<String> done = new ArrayList<>();
        for (JournalRecord up : uploads) {
            try {
                steps.upload(up.name(), Files.readAllBytes(stateDir.resolve(up.file())));
                done.add(up.name());
                lines.add("uploaded " + up.name() + " again from " + up.file());
            } catch (IOException | RuntimeException x) {
                lines.add("cannot upload " + up.name() + " again from " + up.file() + ": " + x.getMessage());
            } catch (LivepatchException x) {
                lines.add("cannot upload " + up.name() + " again: " + x.code() + ": " + x.getMessage());
            }
        }
        return done;
    }

    /**
     * @throws LivepatchException WRONG_STATE when payloads are already uploaded; RECOVERY_REFUSED
     *                            when the journal's stack was applied by another host build
     *                            (nothing is re-applied); IO_ERROR
     */
    RecoveryReport run(Steps steps) throws LivepatchException {
        if (!table.isEmpty()) {
            throw new LivepatchException(ErrorCode.WRONG_STATE, "recover runs once at boot, before any upload;"
                    + " " + table.size() + " payload(s) are already uploaded");
        }
        List<JournalRecord> records = actions.journal().records();
        int skipped = actions.journal().skippedAtOpen();
        Replay replay = Replay.of(records);
        List<String> lines = new ArrayList<>();
        List<String> interrupted = new ArrayList<>();
        if (skipped > 0) {
            lines.add("ignored " + skipped + " damaged journal record(s) (a torn last record is"
                    + " what a crash during a write leaves)");
        }
        for (JournalRecord r : replay.interrupted()) {
            String what = r.action() + (r.name() == null ? "" : " " + r.name());
            interrupted.add(what);
            lines.add(what + " was interrupted (journal record " + r.seq() + " has no end): the host stopped during it;"
                    + ("apply".equals(r.action()) || "replace".equals(r.action())
                    ? " it is treated as not applied" : " the journal's last completed state is restored"));
            actions.append(JournalRecord.end(r, JournalRecord.INTERRUPTED, null, "no end record; found by recovery"));
        }
        String writer = records.isEmpty() ? null : records.get(records.size() - 1).hostBuildId();
        JournalRecord begin = actions.append(JournalRecord.begin("recover", null, null));
        if (!replay.applied().isEmpty() && writer != null && !writer.equals(hostBuildId.hex())) {
            String msg = "the journal in " + stateDir + " was written by host build " + writer + ", but this host runs "
                    + hostBuildId + "; its applied stack " + replay.applied() + " is NOT re-applied. Build payloads for"
                    + " this build, or move the state directory aside to start clean";
            actions.append(JournalRecord.end(begin, JournalRecord.REFUSED, ErrorCode.RECOVERY_REFUSED.name(), msg));
            events.error(null, "recovery refused: " + msg);
            throw new LivepatchException(ErrorCode.RECOVERY_REFUSED, msg);
        }
        List<String> reuploaded = reupload(replay.uploaded().values(), steps, lines);
        List<String> reapplied = new ArrayList<>();
        for (String name : replay.applied()) {
            PayloadTable.Entry e = table.get(name);
            if (e == null) {
                lines.add("cannot re-apply " + name + ": it could not be uploaded again; payloads above it stay CHECKED");
                break;
            }
            try {
                ActionReport r = steps.reapply(e);
                reapplied.add(name);
                lines.add("re-applied " + name + " (" + r.summary() + ")");
            } catch (LivepatchException x) {
                lines.add("re-applying " + name + " failed: " + x.code() + ": " + x.getMessage()
                        + "; it and the payloads above it stay CHECKED");
                break;
            }
        }
        actions.append(JournalRecord.end(begin, JournalRecord.OK, null, String.join("; ", lines)));
        for (String line : lines) {
            events.info(null, "recovery: " + line);
        }
        return new RecoveryReport(reuploaded, reapplied, interrupted, skipped, lines);
    }
}
