package io.hotvisor.hvctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * hvctl runs in-process with the streams it is given: the CLI contract (one line per failure, the
 * documented exit status, no stack trace without --debug) is checked without a host process.
 */
class HvctlInProcessTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
    }

    private static Run hvctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Hvctl.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void noHostAtTheSocketIsExitThreeWithOneLine() {
        Run r = hvctl("--socket", dir.resolve("none.sock").toString(), "info");
        assertThat(r.status()).isEqualTo(3);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("hvctl: error: cannot reach a host at ").doesNotContain("\tat ");
    }

    @Test
    void anUnknownOptionIsAUsageErrorWithoutAStackTrace() {
        Run r = hvctl("--frobnicate", "info");
        assertThat(r.status()).isEqualTo(64);
        assertThat(r.err()).startsWith("hvctl: error: ").doesNotContain("\tat ");
    }

    @Test
    void resultsGoToTheGivenStreamNotTheProcessStandardOutput() {
        Run r = hvctl("--help");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("livepatch");
    }

    @Test
    void everySubcommandAnswersHelpAsItsUsageErrorsSay() {
        Run missing = hvctl("livepatch");
        assertThat(missing.status()).isEqualTo(64);
        assertThat(missing.err()).contains("see 'hvctl livepatch --help'");
        Run group = hvctl("livepatch", "--help");
        assertThat(group.status()).as(group.err()).isZero();
        assertThat(group.out()).contains("Usage: hvctl livepatch").contains("upload").contains("revert").contains("unload");
        for (String[] args : new String[][] {{"livepatch", "apply", "--help"}, {"livepatch", "list", "-h"}, {"list", "--help"},
                {"info", "--help"}, {"ucode", "--help"}, {"audit", "--help"}}) {
            Run r = hvctl(args);
            assertThat(r.status()).as(String.join(" ", args) + ": " + r.err()).isZero();
            assertThat(r.out()).startsWith("Usage: hvctl ");
        }
        assertThat(hvctl("livepatch", "apply", "--help").out()).contains("NAME").contains("--timeout").contains("--nodeps");
        assertThat(hvctl("livepatch", "apply", "--version").out().strip()).isEqualTo("hvctl 0.1.0");
    }

    @Test
    void aTimeoutThatWouldOverflowIsOneUsageLineBeforeAnythingIsSent() {
        Run r = hvctl("--socket", dir.resolve("none.sock").toString(), "livepatch", "apply", "fix", "--timeout", "9223372036854775807");
        assertThat(r.status()).isEqualTo(64);
        assertThat(r.err().lines()).containsExactly("hvctl: error: --timeout 9223372036854775807 ms is outside 1 ms .. 3600000 ms");
    }

    @Test
    void aWeightOutOfRangeIsAUsageError() {
        Run r = hvctl("--socket", dir.resolve("none.sock").toString(), "sched-credit2", "-d", "g", "-w", "70000");
        assertThat(r.status()).isEqualTo(64);
        assertThat(r.err()).isEqualTo("hvctl: error: weight 70000 is outside 1 .. 65535" + System.lineSeparator());
    }

    @Test
    void aGuestConfigWithMemoryThatWouldOverflowIsRefusedNamingTheLine() throws Exception {
        Path cfg = java.nio.file.Files.writeString(dir.resolve("g.cfg"), "name = g\nkernel = g.elf\nmemory = 17592186044416\n");
        Run r = hvctl("--socket", dir.resolve("none.sock").toString(), "create", cfg.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("g.cfg:3: memory 17592186044416 MiB is outside 1 MiB .. 1024 MiB");
    }

    @Test
    void aPayloadOverTheProtocolsLimitIsRefusedBeforeSending() throws Exception {
        Path big = dir.resolve("big.hvp");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(io.hotvisor.control.ControlProtocol.MAX_PAYLOAD + 1L); // sparse: no disk used
        }
        Run r = hvctl("--socket", dir.resolve("none.sock").toString(), "livepatch", "upload", "big", big.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err().lines()).containsExactly("hvctl: error PAYLOAD_TOO_LARGE: " + big + ": payload too large ("
                + (io.hotvisor.control.ControlProtocol.MAX_PAYLOAD + 1L) + " > " + io.hotvisor.control.ControlProtocol.MAX_PAYLOAD + " bytes)");
    }

    @Test
    void aHostThatClosesTheConnectionWithoutAnswerIsBusyExitTwoNotABrokenPipe() throws Exception {
        Path sock = dir.resolve("closing.sock");
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(sock));
            Thread closer = new Thread(() -> {
                try {
                    server.accept().close(); // a host shedding the connection
                } catch (java.io.IOException ignored) {
                    // the test ends either way
                }
            });
            closer.start();
            Run r = hvctl("--socket", sock.toString(), "info");
            closer.join();
            assertThat(r.status()).isEqualTo(2);
            assertThat(r.err().lines()).hasSize(1);
            assertThat(r.err()).startsWith("hvctl: error CONNECTION_CLOSED: the host at ").contains("retry").doesNotContain("\tat ");
        }
    }
}
