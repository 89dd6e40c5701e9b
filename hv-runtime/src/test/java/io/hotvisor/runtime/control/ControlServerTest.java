package io.hotvisor.runtime.control;

import io.hotvisor.control.ControlCommand;
import io.hotvisor.control.ControlProtocol;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The control socket against hostile and careless clients; the host must stay up for the next one. */
class ControlServerTest {
    @TempDir
    Path dir;
    private Host host;
    private ControlServer server;

    private void start(PeerCredentials credentials) throws Exception {
        start(credentials, Duration.ofMinutes(5), Duration.ofSeconds(30));
    }

    private void start(PeerCredentials credentials, Duration idle, Duration frame) throws Exception {
        host = new Host(HostConfig.defaults().withLogConsole(false)).start();
        server = new ControlServer(dir.resolve("control.sock"), credentials, idle, frame);
        HostCommands.register(server, host, () -> new HostCommands.Build("0".repeat(64), List.of(), null), new LogRing(), () -> {});
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
        if (host != null) host.close();
    }

    private SocketChannel connect() throws Exception {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(server.socket()));
        return ch;
    }

    private JsonNode call(SocketChannel ch, JsonNode request) throws Exception {
        try {
            ControlProtocol.write(new DataOutputStream(Channels.newOutputStream(ch)), request);
        } catch (java.io.IOException refusedFirst) {
            // A refused peer is answered and closed at accept, maybe before its request is written:
            // the answer is still in the socket to read.
        }
        return ControlProtocol.read(new DataInputStream(Channels.newInputStream(ch)));
    }

    private JsonNode info() throws Exception {
        try (SocketChannel ch = connect()) {
            return call(ch, ControlProtocol.request("info", null));
        }
    }

    @Test
    void socketFileIsReadableAndWritableByItsOwnerOnly() throws Exception {
        start(PeerCredentials.KERNEL);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket()))).isEqualTo("rw-------");
    }

    @Test
    void theHostsOwnUserIsServedThroughSoPeerCred() throws Exception {
        start(PeerCredentials.KERNEL);
        JsonNode r = info();
        assertThat(r.path("ok").asBoolean()).isTrue();
        assertThat(r.path("result").path("buildId").asText()).hasSize(64);
    }

    @Test
    void anotherUserIsRefusedWithPermissionDeniedAndTheHostCarriesOn() throws Exception {
        boolean[] mallory = {true};
        start(ch -> mallory[0] ? "mallory" : System.getProperty("user.name"));
        JsonNode r = info();
        assertThat(r.path("ok").asBoolean()).isFalse();
        assertThat(r.path("error").path("code").asText()).isEqualTo("PERMISSION_DENIED");
        assertThat(r.path("error").path("message").asText()).startsWith("permission denied");
        mallory[0] = false;
        assertThat(info().path("ok").asBoolean()).isTrue();
    }

    @Test
    void garbageGetsAnErrorAndTheNextClientIsServed() throws Exception {
        start(PeerCredentials.KERNEL);
        try (SocketChannel ch = connect()) {
            byte[] junk = "{not json".getBytes(StandardCharsets.UTF_8);
            ByteBuffer frame = ByteBuffer.allocate(4 + junk.length).putInt(junk.length).put(junk).flip();
            ch.write(frame);
            JsonNode r = ControlProtocol.read(new DataInputStream(Channels.newInputStream(ch)));
            assertThat(r.path("error").path("code").asText()).isEqualTo("BAD_REQUEST");
        }
        assertThat(info().path("ok").asBoolean()).isTrue();
    }

    @Test
    void oversizedFrameIsRefusedWithoutReadingIt() throws Exception {
        start(PeerCredentials.KERNEL);
        try (SocketChannel ch = connect()) {
            ch.write(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).flip());
            JsonNode r = ControlProtocol.read(new DataInputStream(Channels.newInputStream(ch)));
            assertThat(r.path("error").path("code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
            assertThat(r.path("error").path("message").asText()).isEqualTo("payload too large (2147483647 > " + ControlProtocol.MAX_MESSAGE + " bytes)");
        }
        assertThat(info().path("ok").asBoolean()).isTrue();
    }

    @Test
    void clientThatConnectsAndSendsNothingDoesNotBlockOthers() throws Exception {
        start(PeerCredentials.KERNEL);
        try (SocketChannel idle = connect()) {
            assertThat(info().path("ok").asBoolean()).isTrue();
        }
    }

    @Test
    void unknownCommandAndWrongVersionAreErrors() throws Exception {
        start(PeerCredentials.KERNEL);
        try (SocketChannel ch = connect()) {
            assertThat(call(ch, ControlProtocol.request("frobnicate", null)).path("error").path("code").asText()).isEqualTo("UNKNOWN_COMMAND");
            var wrong = ControlProtocol.request("info", null).put("version", 99);
            assertThat(call(ch, wrong).path("error").path("code").asText()).isEqualTo("BAD_VERSION");
            // pipelined: the same connection still answers
            assertThat(call(ch, ControlProtocol.request("info", null)).path("ok").asBoolean()).isTrue();
        }
    }

    @Test
    void aCommandThatFailsInsideIsAnsweredAsInternalAndTheConnectionCarriesOn() throws Exception {
        start(PeerCredentials.KERNEL);
        server.register(failing("broken-state", new IllegalStateException("run queue lost")));
        server.register(failing("broken-link", new NoSuchMethodError("'void Domain.useTranslator(int)'")));
        try (SocketChannel ch = connect()) {
            for (String name : List.of("broken-state", "broken-link")) {
                JsonNode error = call(ch, ControlProtocol.request(name, null)).path("error");
                assertThat(error.path("code").asText()).as(name).isEqualTo("INTERNAL");
                assertThat(error.path("message").asText()).as(name).startsWith("internal error in " + name + ": ").contains("hvctl dmesg");
            }
            assertThat(call(ch, ControlProtocol.request("info", null)).path("ok").asBoolean()).isTrue();
        }
    }

    private static ControlCommand failing(String name, Throwable failure) {
        return new ControlCommand() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object handle(JsonNode args, Stream stream) throws Exception {
                if (failure instanceof Exception e) throw e;
                throw (Error) failure;
            }
        };
    }

    private void closeAll(List<SocketChannel> channels) throws Exception {
        for (SocketChannel c : channels) c.close();
    }

    /** Reads until the server closes the connection (what it sent before closing is skipped). */
    private static boolean closedByServer(SocketChannel ch) throws Exception {
        ByteBuffer sink = ByteBuffer.allocate(4096);
        while (true) {
            sink.clear();
            if (ch.read(sink) < 0) return true;
        }
    }

    @Test
    void aFloodOfIdleConnectionsBeyondEverySlotStillLetsTheOperatorIn() throws Exception {
        start(PeerCredentials.KERNEL);
        List<SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 2 * ControlServer.MAX_CONNECTIONS; i++) idle.add(connect());
            assertThat(info().path("ok").asBoolean()).isTrue();
        } finally {
            closeAll(idle);
        }
    }

    @Test
    void stalledFramesGiveWayToANewConnectionLongestStalledFirst() throws Exception {
        start(PeerCredentials.KERNEL);
        List<SocketChannel> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < ControlServer.MAX_CONNECTIONS; i++) {
                SocketChannel ch = connect();
                ch.write(ByteBuffer.allocate(4).putInt(ControlProtocol.MAX_MESSAGE).flip());
                stalled.add(ch);
            }
            assertThat(info().path("ok").asBoolean()).isTrue();
            assertThat(closedByServer(stalled.get(0))).isTrue();
        } finally {
            closeAll(stalled);
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        start(PeerCredentials.KERNEL, Duration.ofMillis(200), Duration.ofSeconds(30));
        try (SocketChannel idle = connect()) {
            assertThat(closedByServer(idle)).isTrue();
            assertThat(server.connections()).isZero();
        }
    }

    @Test
    void aFrameThatDoesNotCompleteWithinItsDeadlineIsClosed() throws Exception {
        start(PeerCredentials.KERNEL, Duration.ofMinutes(5), Duration.ofMillis(200));
        try (SocketChannel stalled = connect()) {
            stalled.write(ByteBuffer.allocate(6).putInt(100).put((byte) '{').put((byte) ' ').flip());
            assertThat(closedByServer(stalled)).isTrue();
        }
    }

    @Test
    void aRefusedPeerDoesNotHoldASlot() throws Exception {
        start(ch -> "mallory");
        List<SocketChannel> refused = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) refused.add(connect());
            await().atMost(Duration.ofSeconds(10)).until(() -> server.connections() == 0);
        } finally {
            closeAll(refused);
        }
    }

    @Test
    void aFollowerThatWentAwayFromAQuietConsoleFreesItsSlot() throws Exception {
        start(PeerCredentials.KERNEL);
        host.create(io.hotvisor.runtime.domain.DomainConfig.of("quiet", new io.hotvisor.runtime.elf.TinyElf().spin().build()));
        SocketChannel follower = connect();
        ControlProtocol.write(new DataOutputStream(Channels.newOutputStream(follower)), ControlProtocol.request("console",
                ControlProtocol.JSON.createObjectNode().put("domain", "quiet").put("follow", true)));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connections() == 1);
        follower.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connections() == 0);
    }
}
