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
}
