package io.hotvisor.patch.applier.journal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a journal says about the host that wrote it: the payloads uploaded and not unloaded, the
 * applied stack, and the actions that began and never ended.
 *
 * <p>Rules: a completed ({@code ok}) upload adds a payload, unload removes it; apply pushes it on
 * the stack, revert pops it, replace makes it the whole stack. A {@code recover} begin record
 * starts a new JVM, in which nothing is applied yet; the re-applies that follow it rebuild the
 * stack. A begin record with no end record before the next {@code recover} (or the end of the
 * journal) is an interrupted action: the process died during it, and the JVM that might have had
 * it applied is gone, so it changed nothing that survives.
 *
 * @param uploaded    name to the end record of its last ok upload (which names the kept file), in upload order
 * @param applied     the applied stack, bottom first, as of the last record
 * @param interrupted begin records that have no end record
 */
public record Replay(Map<String, JournalRecord> uploaded, List<String> applied, List<JournalRecord> interrupted) {

    /** Replays {@code records} in order. */
    public static Replay of(List<JournalRecord> records) {
        Map<String, JournalRecord> uploaded = new LinkedHashMap<>();
        List<String> stack = new ArrayList<>();
        Map<Long, JournalRecord> open = new LinkedHashMap<>();
        List<JournalRecord> interrupted = new ArrayList<>();
        Map<Long, JournalRecord> begins = new HashMap<>();
        for (JournalRecord r : records) {
            if (r.isBegin()) {
                if ("recover".equals(r.action())) {
                    interrupted.addAll(open.values());
                    open.clear();
                    stack.clear();
                }
                open.put(r.seq(), r);
                begins.put(r.seq(), r);
                continue;
            }
            if (!r.isEnd() || r.begin() == null) {
                continue;
            }
            JournalRecord begin = begins.get(r.begin());
            open.remove(r.begin());
            if (begin == null || !JournalRecord.OK.equals(r.outcome())) {
                continue;
            }
            switch (begin.action()) {
                case "upload" -> uploaded.put(begin.name(), r.file() != null ? r : begin);
                case "unload" -> uploaded.remove(begin.name());
                case "apply" -> {
                    stack.remove(begin.name());
                    stack.add(begin.name());
                }
                case "revert" -> stack.remove(begin.name());
                case "replace" -> {
                    stack.clear();
                    stack.add(begin.name());
                }
                default -> { }
            }
        }
        interrupted.addAll(open.values());
        return new Replay(Map.copyOf(uploaded).isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(uploaded),
                List.copyOf(stack), List.copyOf(interrupted));
    }
}
