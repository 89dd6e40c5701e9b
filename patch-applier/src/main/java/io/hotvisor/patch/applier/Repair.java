package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.journal.Journal;
import io.hotvisor.patch.applier.journal.JournalRecord;
import io.hotvisor.patch.applier.journal.Replay;
import io.hotvisor.patch.format.BuildId;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's way out of the DEGRADED state ({@code hvctl livepatch recover}): first it only says
 * what it would do; with {@code confirm} it does exactly that. It never guesses a payload's state:
 * from a damaged journal it keeps the evidence, starts a new journal, and uploads again the payloads
 * the intact records name, applying none of them; an unusable state directory is opened again and,
 * if that works, recovered as a boot would. Runs with the action permit held.
 */
final class Repair {
    private final ActionJournal actions;
    private final PayloadTable table;
    private final Path stateDir;
    private final BuildId hostBuildId;
    private final Clock clock;
    private final Events events;

    Repair(ActionJournal actions, PayloadTable table, Path stateDir, BuildId hostBuildId, Clock clock, Events events) {
        this.actions = actions;
        this.table = table;
        this.stateDir = stateDir;
        this.hostBuildId = hostBuildId;
        this.clock = clock;
        this.events = events;
    }

    /** The journal as found at start, or null, and why the agent is DEGRADED, or null. */
    record Opened(Journal journal, String degraded) {
    }

    /** Opens the state directory at start; never throws: what cannot be trusted makes the agent DEGRADED. */
    static Opened open(Path stateDir, Clock clock, BuildId hostBuildId, Events events) {
        Journal journal = null;
        String degraded;
        try {
            journal = openJournal(stateDir, clock, hostBuildId);
            degraded = journal.damage() == null ? null : damaged(journal);
        } catch (IOException e) {
            degraded = "the livepatch state directory " + stateDir + " cannot be used: " + e.getMessage()
                    + "; check that it exists, is writable and has free space";
        }
        if (degraded != null) {
            events.error(null, "livepatch is DEGRADED, every action is refused: " + degraded);
        }
        return new Opened(journal, degraded);
    }

    /** Opens the journal, and the folder for kept payloads, in {@code stateDir}. */
    static Journal openJournal(Path stateDir, Clock clock, BuildId hostBuildId) throws IOException {
        Files.createDirectories(stateDir.resolve(LivepatchAgent.PAYLOAD_DIR));
        if (!Files.isWritable(stateDir) || !Files.isWritable(stateDir.resolve(LivepatchAgent.PAYLOAD_DIR))) {
            throw new IOException("it is not writable");
        }
        return Journal.open(stateDir, clock, hostBuildId.hex());
    }

    /** Why a damaged journal makes the agent DEGRADED. */
    static String damaged(Journal journal) {
        return "the journal " + journal.file() + " is damaged at " + journal.damage() + "; replay stopped there and no"
                + " payload was uploaded or applied again";
    }

    /** The plan, one line each; with {@code confirm}, carried out, and the lines say what was done. */
    List<String> run(boolean confirm, Recovery recovery, Recovery.Steps steps) throws LivepatchException {
        String why = actions.degraded();
        if (why == null) {
            return List.of("livepatch is not DEGRADED: nothing to recover");
        }
        Journal journal = actions.journal();
        return journal == null ? reopen(why, confirm, recovery, steps) : restart(journal, confirm, recovery, steps);
    }

    private List<String> reopen(String why, boolean confirm, Recovery recovery, Recovery.Steps steps)
            throws LivepatchException {
        List<String> lines = new ArrayList<>(List.of("livepatch is DEGRADED: " + why));
        if (!confirm) {
            lines.add("recovery will open the state directory " + stateDir + " again; if it can, it replays the journal as a"
                    + " boot does (the kept payloads uploaded again, the applied stack re-applied)");
            lines.add("run 'hvctl livepatch recover --confirm' to do it");
            return lines;
        }
        Journal journal;
        try {
            journal = openJournal(stateDir, clock, hostBuildId);
        } catch (IOException e) {
            throw new LivepatchException(ErrorCode.IO_ERROR, "the livepatch state directory " + stateDir
                    + " still cannot be used: " + e.getMessage() + "; fix its permissions or free space, then recover again", e);
        }
        actions.journal(journal);
        if (journal.damage() != null) {
            actions.degraded(damaged(journal));
            lines.add("the state directory opens now, but its journal is damaged: " + journal.damage()
                    + "; run 'hvctl livepatch recover' again to see what recovery will do");
            return lines;
        }
        actions.degraded(null);
        lines.addAll(recovery.run(steps).lines());
        lines.add("livepatch is no longer DEGRADED");
        events.warning(null, "recovered by the operator: " + String.join("; ", lines));
        return lines;
    }

    private List<String> restart(Journal damaged, boolean confirm, Recovery recovery, Recovery.Steps steps)
            throws LivepatchException {
        Replay intact = Replay.of(damaged.records());
        List<String> names = new ArrayList<>(intact.uploaded().keySet());
        List<String> lines = new ArrayList<>();
        lines.add("the journal " + damaged.file() + " is damaged: " + damaged.damage());
        lines.add("the " + damaged.records().size() + " records before the damage say: uploaded " + names
                + ", applied " + intact.applied() + "; what happened after them is unknown");
        if (!confirm) {
            lines.add("recovery will keep the damaged journal beside it as evidence, start a new journal, and upload again"
                    + " from " + stateDir.resolve(LivepatchAgent.PAYLOAD_DIR) + " the payloads " + names
                    + " (CHECKED); it applies none: apply what should run with 'hvctl livepatch apply'");
            lines.add("run 'hvctl livepatch recover --confirm' to do it");
            return lines;
        }
        Journal fresh;
        try {
            Path aside = damaged.setAside();
            lines.add("kept the damaged journal as " + aside);
            fresh = openJournal(stateDir, clock, hostBuildId);
        } catch (IOException e) {
            throw new LivepatchException(ErrorCode.IO_ERROR, "cannot start a new journal in " + stateDir + ": "
                    + e.getMessage() + "; nothing else was changed", e);
        }
        actions.journal(fresh);
        actions.degraded(null);
        JournalRecord begin = actions.append(JournalRecord.begin("recover", null, null).withCause("operator: damaged journal"));
        recovery.reupload(intact.uploaded().values(), steps, lines);
        actions.append(JournalRecord.end(begin, JournalRecord.OK, null, String.join("; ", lines)));
        lines.add("livepatch is no longer DEGRADED; " + table.size() + " payload(s) uploaded, none applied");
        events.warning(null, "recovered by the operator: " + String.join("; ", lines));
        return lines;
    }
}
