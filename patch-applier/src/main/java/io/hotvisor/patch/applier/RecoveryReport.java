package io.hotvisor.patch.applier;

import java.util.List;

/**
 * What {@link LivepatchAgent#recover()} found in the journal and did about it.
 *
 * @param reuploaded  payloads uploaded again from the state directory (CHECKED)
 * @param reapplied   payloads re-applied, bottom of the stack first
 * @param interrupted actions that had a "begin" record and no "end" (the host stopped mid-action),
 *                    as "apply NAME"; an interrupted apply is treated as not applied
 * @param skippedRecords journal lines ignored: a torn last record, or a record whose checksum fails
 * @param lines       the whole story, one line each, for the host log
 */
public record RecoveryReport(List<String> reuploaded, List<String> reapplied, List<String> interrupted,
                             int skippedRecords, List<String> lines) {
    public RecoveryReport {
        reuploaded = List.copyOf(reuploaded);
        reapplied = List.copyOf(reapplied);
        interrupted = List.copyOf(interrupted);
        lines = List.copyOf(lines);
    }
}
