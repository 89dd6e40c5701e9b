package io.hotvisor.tests;

import io.hotvisor.runtime.elf.TinyElf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 16's hostile clients and guests against one real host process: the operator always gets
 * in, memory does not follow what a peer declares, every transport failure is one line with the
 * documented exit status, and a flooding guest cannot push the host's own lines out of dmesg.
 * docs/fault-injection.md records what each of these did before.
 */
class HostFailsClosedTest {
    /** The protocol's limits, as the host enforces them (host-api's ControlProtocol). */
    private static final int MAX_PAYLOAD = 64 << 20;
    private static final int MAX_MESSAGE = 4 * ((MAX_PAYLOAD + 2) / 3) + (64 << 10);
    /** Ordinary slots plus the reserved one. */
    private static final int SLOTS = 64 + 1;

    @TempDir
    static Path dir;
    private static HostProcess host;

    @BeforeAll
    static void boot() throws IOException {
        host = HostProcess.start(dir);
    }

    @AfterAll
    static void shutdown() throws Exception {
        if (host != null) host.close();
    }

    private static SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(host.socket));
        return ch;
    }

    private static void send(SocketChannel ch, JsonNode request) throws IOException {
        byte[] body = HostProcess.JSON.writeValueAsBytes(request);
        ch.write(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip());
    }

    private static JsonNode receive(SocketChannel ch) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(4);
        while (header.hasRemaining()) if (ch.read(header) < 0) throw new IOException("closed");
        ByteBuffer body = ByteBuffer.allocate(header.flip().getInt());
        while (body.hasRemaining()) if (ch.read(body) < 0) throw new IOException("closed");
        return HostProcess.JSON.readTree(body.array());
    }

    private static ObjectNode request(String command, ObjectNode args) {
        ObjectNode r = HostProcess.JSON.createObjectNode().put("version", 1).put("command", command);
        r.set("args", args);
        return r;
    }

    private static void closeAll(List<SocketChannel> channels) throws IOException {
        for (SocketChannel c : channels) c.close();
    }

    /** The host JVM's resident set, from /proc (the launcher execs java, so the process is the JVM). */
    private static long rssKiB() throws IOException {
        Matcher m = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(Files.readString(Path.of("/proc/" + host.process.pid() + "/status")));
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static Path guest(String name, TinyElf elf, String... extra) throws IOException {
        Path kernel = Files.write(dir.resolve(name + ".elf"), elf.build());
        List<String> lines = new ArrayList<>(List.of("name = " + name, "kernel = " + kernel));
        lines.addAll(List.of(extra));
        return Files.write(dir.resolve(name + ".cfg"), lines);
    }

    @Test
    void aFloodOfIdleConnectionsBeyondEverySlotStillLetsTheOperatorIn() throws Exception {
        List<SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 3 * SLOTS; i++) idle.add(connect());
            HostProcess.Result info = host.hvctl("info");
            assertThat(info.status()).as(info.err()).isZero();
        } finally {
            closeAll(idle);
        }
    }

    @Test
    void framesDeclaringTheMaximumAndStallingCostTheHostLittleMemory() throws Exception {
        long before = rssKiB();
        List<SocketChannel> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 2 * SLOTS; i++) {
                SocketChannel ch = connect();
                ch.write(ByteBuffer.allocate(4 + 1024).putInt(MAX_MESSAGE).put("{\"version\":1".getBytes()).position(4 + 1024).flip());
                stalled.add(ch);
            }
            HostProcess.Result info = host.hvctl("info"); // served after every stalled frame was read as far as it went
            assertThat(info.status()).as(info.err()).isZero();
            // Before: each frame allocated its declared 85 MiB at once (130 frames: 11 GB asked for).
            assertThat(rssKiB() - before).as("host RSS growth in KiB").isLessThan(256 * 1024);
        } finally {
            closeAll(stalled);
        }
    }

    @Test
    void aPayloadOverTheLimitIsOneClearSizeErrorNotABrokenPipe() throws Exception {
        Path big = dir.resolve("big.hvp");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(MAX_PAYLOAD + 1L);
        }
        HostProcess.Result r = host.hvctl("livepatch", "upload", "big", big.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err().lines()).containsExactly("hvctl: error PAYLOAD_TOO_LARGE: " + big + ": payload too large ("
                + (MAX_PAYLOAD + 1L) + " > " + MAX_PAYLOAD + " bytes)");
    }

    @Test
    void aFrameOverTheLimitIsAnsweredWithBothSizesBeforeItIsRead() throws Exception {
        try (SocketChannel ch = connect()) {
            ch.write(ByteBuffer.allocate(4).putInt(MAX_MESSAGE + 1).flip());
            JsonNode error = receive(ch).path("error");
            assertThat(error.path("code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
            assertThat(error.path("message").asText()).isEqualTo("payload too large (" + (MAX_MESSAGE + 1) + " > " + MAX_MESSAGE + " bytes)");
        }
    }

    @Test
    void aPayloadAtTheFormatsCapCrossesTheSocketAndIsJudgedByTheFormat() throws Exception {
        Path cap = dir.resolve("cap.hvp");
        try (RandomAccessFile f = new RandomAccessFile(cap.toFile(), "rw")) {
            f.setLength(MAX_PAYLOAD); // zeros: not a ZIP, so the format refuses it, not the socket
        }
        HostProcess.Result r = host.hvctl("livepatch", "upload", "cap", cap.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).startsWith("hvctl: error BAD_PAYLOAD: payload cap refused (BAD_ZIP)").doesNotContain("Broken pipe");
    }

    @Test
    void whenEverySlotRunsACommandTheNextClientIsBusyExitTwo() throws Exception {
        // Prints one line, then spins: each follower sees that line, so it is running its command.
        TinyElf spinner = new TinyElf().li(TinyElf.A7, 1).li(TinyElf.A0, 'r').ecall().li(TinyElf.A0, '\n').ecall().spin();
        HostProcess.Result created = host.hvctl("create", guest("spinner", spinner, "cap = 1").toString());
        assertThat(created.status()).as(created.err()).isZero();
        List<SocketChannel> followers = new ArrayList<>();
        try {
            for (int i = 0; i < SLOTS; i++) {
                SocketChannel ch = connect();
                send(ch, request("console", HostProcess.JSON.createObjectNode().put("domain", "spinner").put("follow", true)));
                followers.add(ch);
                assertThat(receive(ch).path("result").path("data").asText()).isEqualTo("r\n");
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HostProcess.Result busy = host.hvctl("info");
                assertThat(busy.status()).isEqualTo(2);
                assertThat(busy.err().lines()).hasSize(1);
                assertThat(busy.err()).startsWith("hvctl: error BUSY: ").contains("retry").doesNotContain("Broken pipe");
            });
        } finally {
            closeAll(followers);
            host.hvctl("destroy", "spinner");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> host.hvctl("info").status() == 0);
    }

    @Test
    void aGuestPrintingInALoopIsRateLimitedInDmesgAndKeptWholeInItsConsole() throws Exception {
        // putchar('x'), putchar('\n'), forever: legacy SBI console putchar (extension 1).
        TinyElf flood = new TinyElf().li(TinyElf.A7, 1).li(TinyElf.A0, 'x').ecall().li(TinyElf.A0, '\n').ecall();
        flood.beq(TinyElf.ZERO, TinyElf.ZERO, -flood.offset() + 4);
        HostProcess.Result created = host.hvctl("create", guest("flood", flood).toString());
        assertThat(created.status()).as(created.err()).isZero();
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(host.hvctl("dmesg").out()).containsPattern("d\\d+ console: [\\d,]+ lines suppressed"));
            String dmesg = host.hvctl("dmesg").out();
            assertThat(dmesg).contains("hypervisor build-id").contains("flood created");
            assertThat(dmesg.lines().filter(l -> l.contains("(d") && l.contains(" flood) x"))).hasSizeLessThan(1000);
            assertThat(host.hvctl("console", "flood").out()).hasSizeGreaterThan(60_000).contains("x\nx\nx\n");
        } finally {
            host.hvctl("destroy", "flood");
        }
    }

    @Test
    void aTimeoutThatWouldOverflowIsOneUsageLineFromHvctlAndAnInvalidArgumentFromTheHost() throws Exception {
        HostProcess.Result r = host.hvctl("livepatch", "apply", "fix", "--timeout", "9223372036854775807");
        assertThat(r.status()).isEqualTo(64);
        assertThat(r.err().lines()).containsExactly("hvctl: error: --timeout 9223372036854775807 ms is outside 1 ms .. 3600000 ms");
        try (SocketChannel ch = connect()) {
            send(ch, request("livepatch.apply", HostProcess.JSON.createObjectNode().put("name", "fix").put("timeoutMillis", Long.MAX_VALUE)));
            JsonNode error = receive(ch).path("error");
            assertThat(error.path("code").asText()).isEqualTo("INVALID_ARGUMENT");
            assertThat(error.path("message").asText()).isEqualTo("--timeout 9223372036854775807 ms is outside 1 ms .. 3600000 ms");
        }
    }
}
