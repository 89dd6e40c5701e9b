package io.hotvisor.hvctl;

import com.fasterxml.jackson.databind.JsonNode;
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

/** One connection to a host's control socket. */
final class ControlClient implements AutoCloseable {
    private final SocketChannel channel;
    private final DataInputStream in;
    private final DataOutputStream out;

    ControlClient(Path socket) throws HvctlException {
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new HvctlException("cannot reach a host at " + socket + " (" + e.getMessage()
                    + "); is it running? start it with 'bin/hv host' or pass --socket", Hvctl.EXIT_NO_HOST);
        }
        in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
        out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel)));
    }

    /** Sends a request and returns its final result; intermediate (streamed) results go to {@code partial}. */
    JsonNode call(String command, JsonNode args, Consumer<JsonNode> partial) throws HvctlException {
        try {
            ControlProtocol.write(out, ControlProtocol.request(command, args));
            while (true) {
                JsonNode response = ControlProtocol.read(in);
                if (response == null) throw new HvctlException("the host closed the connection", 1);
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
            throw new HvctlException("control connection failed: " + e.getMessage(), 1);
        } catch (io.hotvisor.control.ControlException e) {
            throw new HvctlException(e.getMessage(), e.exitStatus(), e.code());
        }
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
