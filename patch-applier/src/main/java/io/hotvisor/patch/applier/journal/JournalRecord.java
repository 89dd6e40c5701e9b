package io.hotvisor.patch.applier.journal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One line of the journal. A {@code begin} record is written before an action takes effect and an
 * {@code end} record, naming its begin's {@code seq}, after it, with the outcome.
 *
 * @param seq            record number, from 1, increasing by one per line
 * @param time           UTC time, ISO-8601
 * @param hostBuildId    build-id of the host that wrote the record
 * @param action         {@code upload}, {@code apply}, {@code revert}, {@code replace}, {@code unload}, {@code recover}
 * @param phase          {@code begin} or {@code end}
 * @param name           the payload, when the action has one
 * @param payloadBuildId its payload build-id
 * @param file           for the end record of an upload: the kept payload file, relative to the state directory
 * @param nodeps         for apply: whether the stacking check was skipped
 * @param cause          why the action ran when an operator did not ask for it ({@code health: ...})
 * @param begin          for an end record: the seq of its begin record
 * @param outcome        for an end record: {@code ok}, {@code refused} (nothing changed),
 *                       {@code failed} (rolled back) or {@code interrupted} (written by recovery)
 * @param code           for a refusal or failure: the {@link io.hotvisor.patch.applier.ErrorCode}
 * @param message        for a refusal or failure: the operator message
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"seq", "time", "host-build-id", "action", "phase", "name", "payload-build-id", "file", "nodeps",
        "cause", "begin", "outcome", "code", "message"})
public record JournalRecord(
        @JsonProperty("seq") long seq,
        @JsonProperty("time") String time,
        @JsonProperty("host-build-id") String hostBuildId,
        @JsonProperty("action") String action,
        @JsonProperty("phase") String phase,
        @JsonProperty("name") String name,
        @JsonProperty("payload-build-id") String payloadBuildId,
        @JsonProperty("file") String file,
        @JsonProperty("nodeps") Boolean nodeps,
        @JsonProperty("cause") String cause,
        @JsonProperty("begin") Long begin,
        @JsonProperty("outcome") String outcome,
        @JsonProperty("code") String code,
        @JsonProperty("message") String message) {

    public static final String BEGIN = "begin";
    public static final String END = "end";
    public static final String OK = "ok";
    public static final String REFUSED = "refused";
    public static final String FAILED = "failed";
    public static final String INTERRUPTED = "interrupted";

    /** A begin record; seq and time are filled in by {@link Journal#append}. */
    public static JournalRecord begin(String action, String name, String payloadBuildId) {
        return new JournalRecord(0, null, null, action, BEGIN, name, payloadBuildId, null, null, null, null, null, null, null);
    }

    /** The end record of {@code begin}. */
    public static JournalRecord end(JournalRecord begin, String outcome, String code, String message) {
        return new JournalRecord(0, null, null, begin.action, END, begin.name, begin.payloadBuildId, null, null, null,
                begin.seq, outcome, code, message);
    }

    public JournalRecord withFile(String f) {
        return new JournalRecord(seq, time, hostBuildId, action, phase, name, payloadBuildId, f, nodeps, cause, begin, outcome, code, message);
    }

    public JournalRecord withPayloadBuildId(String id) {
        return new JournalRecord(seq, time, hostBuildId, action, phase, name, id, file, nodeps, cause, begin, outcome, code, message);
    }

    public JournalRecord withNodeps(boolean n) {
        return new JournalRecord(seq, time, hostBuildId, action, phase, name, payloadBuildId, file, n ? Boolean.TRUE : null, cause, begin, outcome, code, message);
    }

    public JournalRecord withCause(String c) {
        return new JournalRecord(seq, time, hostBuildId, action, phase, name, payloadBuildId, file, nodeps, c, begin, outcome, code, message);
    }

    JournalRecord stamped(long s, String t, String host) {
        return new JournalRecord(s, t, host, action, phase, name, payloadBuildId, file, nodeps, cause, begin, outcome, code, message);
    }

    public boolean isBegin() {
        return BEGIN.equals(phase);
    }

    public boolean isEnd() {
        return END.equals(phase);
    }
}
