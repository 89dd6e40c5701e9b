package io.hotvisor.runtime.control;

import io.hotvisor.control.ControlProtocol;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.host.SampleGuests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client following a console ({@code hvctl console --follow}) must not keep the console command's
 * code on a thread's stack while it waits: the livepatch agent's activeness check refuses a payload
 * while any thread is inside a method it changes, so a follower connected for hours used to make the
 * console code impossible to patch. The server now does the waiting, in its own frames.
 */
class ConsoleFollowTest {
    @TempDir
    Path dir;
    private Host host;
    private ControlServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
        if (host != null) host.close();
    }

    @Test
    void aFollowerWaitsOutsideTheConsoleCommandsCode() throws Exception {
        host = new Host(HostConfig.defaults().withLogConsole(false)).start();
        server = new ControlServer(dir.resolve("control.sock"), PeerCredentials.KERNEL);
        HostCommands.register(server, host, () -> new HostCommands.Build("0".repeat(64), List.of(), null), new LogRing(), () -> {});
        server.start();
        SampleGuests.Running counter = SampleGuests.boot(host, "counter");
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(server.socket()));
            ControlProtocol.write(new DataOutputStream(Channels.newOutputStream(ch)), ControlProtocol.request("console",
                    ControlProtocol.JSON.valueToTree(Map.of("domain", counter.domain().name(), "follow", true))));
            DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
            JsonNode first = ControlProtocol.read(in);
            assertThat(first.path("result").path("more").asBoolean()).isTrue();
            // Sample the stacks many times while the follower waits for more output.
            List<String> inCommand = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
                for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
                    for (StackTraceElement e : t.getValue()) {
                        if (e.getClassName().startsWith(HostCommands.class.getName()) && isWaiting(t.getKey())) {
                            inCommand.add(t.getKey().getName() + " at " + e);
                        }
                    }
                }
                return !inCommand.isEmpty() || samples++ > 50;
            });
            assertThat(inCommand).isEmpty();
        }
    }

    private int samples;

    private static boolean isWaiting(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.BLOCKED;
    }
}
