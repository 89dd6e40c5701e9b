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
     * A result followed by an action that must wait until the reply has been sent (stopping the
     * host, which closes this very connection). The server runs {@code after} on its own thread.
     */
    record ThenRun(Object result, Runnable after) {}

    /** Sends intermediate results of a streaming command. */
    @FunctionalInterface
    interface Stream {
        boolean send(Object partial);
    }
}
