package io.hotvisor.runtime.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Map;

/**
 * One line of the audit trail: who asked the host to change what, when, and what came of it.
 *
 * @param seq         record number, from 1
 * @param time        UTC, ISO-8601
 * @param user        the peer's user, from the kernel ({@code SO_PEERCRED})
 * @param pid         the pid the client claims to run as, or null
 * @param pidVerified whether that pid is a live process of {@code user} (the kernel vouches for the
 *                    user only; a client could claim another of the same user's processes)
 * @param command     the control command ({@code livepatch.apply}), or {@code connect} for a peer
 *                    refused before it could send one
 * @param args        the arguments that matter (names, build-ids, flags; never payload or image bytes)
 * @param outcome     {@code ok}, or the error code the client got ({@code WRONG_STATE}, {@code PERMISSION_DENIED})
 * @param message     for an error: its message
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"seq", "time", "user", "pid", "pid-verified", "command", "args", "outcome", "message"})
public record AuditRecord(
        @JsonProperty("seq") long seq,
        @JsonProperty("time") String time,
        @JsonProperty("user") String user,
        @JsonProperty("pid") Long pid,
        @JsonProperty("pid-verified") boolean pidVerified,
        @JsonProperty("command") String command,
        @JsonProperty("args") Map<String, String> args,
        @JsonProperty("outcome") String outcome,
        @JsonProperty("message") String message) {

    /** The outcome of a request that succeeded. */
    public static final String OK = "ok";

    public AuditRecord {
        args = args == null ? Map.of() : Map.copyOf(args);
    }

    AuditRecord stamped(long s, String t) {
        return new AuditRecord(s, t, user, pid, pidVerified, command, args, outcome, message);
    }
}
