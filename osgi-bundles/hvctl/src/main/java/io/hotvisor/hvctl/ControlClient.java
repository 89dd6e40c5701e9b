package io.hotvisor.hvctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.control.ControlException;
import io.hotvisor.control.ControlProtocol;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * One connection to a host's control socket. Every transport failure becomes one
 * {@link HvctlException} with hvctl's documented exit status: 3 when no host answers at the
 * socket, 2 when the host refused or dropped the connection (busy: retry), 1 for a request the
 * host refused by its content; never a bare "Broken pipe".
 */
final class ControlClient implements AutoCloseable {
    private final Path socket;
    private final SocketChannel channel;
    private final DataInputStream in;
    private final DataOutputStream out;

    ControlClient(Path socket) throws HvctlException {
        this.socket = socket;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw noHostOrBusy(socket, e);
        }
        in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
        out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel)));
    }

    /**
     * A failed connect: no socket file, or nothing listening behind a stale one, is "no host", exit
     * 3; a host whose accept queue is full is busy, exit 2; a socket file the user may not open is
     * an error, exit 1.
     */
    static HvctlException noHostOrBusy(Path socket, IOException e) {
        String reason = String.valueOf(e.getMessage());
        if (reason.contains("temporarily unavailable")) {
            return new HvctlException("the host at " + socket + " is not accepting connections (" + reason + "); retry", Hvctl.EXIT_BUSY, "BUSY");
        }
        if (reason.contains("Permission denied")) {
            return new HvctlException("no permission to open the control socket " + socket + "; run as the host's user or root", Hvctl.EXIT_ERROR, "PERMISSION_DENIED");
        }
        return new HvctlException("cannot reach a host at " + socket + " (" + reason
                + "); is it running? start it with 'bin/hv host' or pass --socket", Hvctl.EXIT_NO_HOST);
    }

    /** Sends a request and returns its final result; intermediate (streamed) results go to {@code partial}. */
    JsonNode call(String command, JsonNode args, Consumer<JsonNode> partial) throws HvctlException {
        byte[] request;
        try {
            request = ControlProtocol.encode(ControlProtocol.request(command, args));
        } catch (ControlException e) {
            throw new HvctlException(e.getMessage(), e.exitStatus(), e.code());
        }
        try {
            ControlProtocol.write(out, request);
        } catch (IOException e) {
            // The host may have answered before it closed (a refusal, a size error): read that first.
        }
        try {
            while (true) {
                JsonNode response = ControlProtocol.read(in);
                if (response == null) throw dropped(command);
                if (!response.path("ok").asBoolean()) {
                    JsonNode e = response.path("error");
                    throw new HvctlException(e.path("message").asText("request failed"), e.path("exit").asInt(1), e.path("code").asText());
                }
                JsonNode result = response.path("result");
                if (result.path("more").asBoolean(false)) {
                    partial.accept(result);
                    continue;
                }
                return result;
            }
        } catch (IOException e) {
            throw dropped(command);
        } catch (ControlException e) {
            throw new HvctlException(e.getMessage(), e.exitStatus(), e.code());
        }
    }

    /** The host closed the connection without an answer: it is shutting down or shed us; retry. */
    private HvctlException dropped(String command) {
        return new HvctlException("the host at " + socket + " closed the connection before answering '" + command
                + "'; nothing was confirmed: check its state and retry", Hvctl.EXIT_BUSY, "CONNECTION_CLOSED");
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
