package io.hotvisor.control;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One command of the control plane ({@code info}, {@code list}, {@code livepatch.apply}, ...).
 * Subsystems contribute commands; the server dispatches by {@link #name()}.
 */
public interface ControlCommand {
    String name();

    /**
     * Carries out the request.
     *
     * @param args   the request's arguments
     * @param stream for streaming commands: sends an intermediate result; returns false once the client is gone
     * @return the (final) result, serialised with Jackson
     * @throws ControlException for anything the operator should be told
     */
    Object handle(JsonNode args, Stream stream) throws Exception;

    /**
     * What the audit trail records of a request beside its plain arguments, looked up before the
     * request runs (a payload's build-id, when the payload is uploaded). Never the request's bytes.
     */
    default java.util.Map<String, String> auditDetails(JsonNode args) {
        return java.util.Map.of();
    }

    /**
     * A result followed by an action that must wait until the reply has been sent (stopping the
     * host, which closes this very connection). The server runs {@code after} on its own thread.
     */
    record ThenRun(Object result, Runnable after) {}

    /**
     * A result that goes on (a console followed until its domain ends), polled by the server, which
     * waits between polls in its own code: no frame of the command stays on a thread's stack while
     * the client waits, so a follower never makes the command's classes "active" for a live patch.
     */
    interface Follow {
        /** What is new since the last poll, sent with {@code "more":true}; null when nothing is. Quick. */
        Object poll() throws Exception;

        /** The last result once the stream has ended (sent with {@code "more":false}), else null. */
        Object end() throws Exception;

        /** Completes when there may be something new; the server also polls again after a short wait. */
        java.util.concurrent.CompletableFuture<?> change();
    }

    /** Sends intermediate results of a streaming command. */
    @FunctionalInterface
    interface Stream {
        boolean send(Object partial);

        /**
         * Whether the client is still connected. A streaming command that may wait long without
         * sending (following a quiet console) asks between waits, so a client that went away does
         * not hold its connection slot until the next output.
         */
        default boolean clientConnected() {
            return true;
        }
    }
}
