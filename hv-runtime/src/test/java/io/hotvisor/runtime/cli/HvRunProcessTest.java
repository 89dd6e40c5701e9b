package io.hotvisor.runtime.cli;

import io.hotvisor.runtime.elf.TinyElf;
import io.hotvisor.runtime.host.SampleGuests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code hv run} as a real process: console on stdout, the guest's fate as the exit status. */
class HvRunProcessTest {
    record Result(int status, String out, String err) {}

    static Result hv(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HvCommand.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void cleanShutdownExitsZeroWithTheConsoleOnStdout() throws Exception {
        Result r = hv("run", SampleGuests.BIN.resolve("hello.elf").toString());
        assertThat(r.status()).isZero();
        assertThat(r.out()).isEqualTo(SampleGuests.expected("hello"));
    }

    @Test
    void everyBlockTranslatedAtItsFirstRunPrintsTheSame() throws Exception {
        Result r = hv("run", "--engine", "translator", "--translate-after", "1", SampleGuests.BIN.resolve("sha256.elf").toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(SampleGuests.expected("sha256"));
        Result zero = hv("run", "--translate-after", "0", SampleGuests.BIN.resolve("hello.elf").toString());
        assertThat(zero.status()).isEqualTo(2);
        assertThat(zero.err().strip()).isEqualTo("hv: error: --translate-after must be at least 1, got 0");
    }

    @Test
    void systemFailureShutdownExitsOne(@TempDir Path dir) throws Exception {
        Path guest = Files.write(dir.resolve("fail.elf"), new TinyElf().shutdown(1).build());
        assertThat(hv("run", guest.toString()).status()).isEqualTo(1);
    }

    @Test
    void crashedGuestExitsThreeAndSaysWhy() throws Exception {
        Result r = hv("run", SampleGuests.BIN.resolve("fault.elf").toString());
        assertThat(r.status()).isEqualTo(3);
        assertThat(r.out()).isEqualTo(SampleGuests.expected("fault"));
        assertThat(r.err()).contains("hv: guest crashed: vcpu 0: load access fault (0x0)").doesNotContain("\tat ");
    }

    @Test
    void guestStillRunningAtTheTimeoutExitsFour(@TempDir Path dir) throws Exception {
        Path guest = Files.write(dir.resolve("spin.elf"), new TinyElf().spin().build());
        Result r = hv("run", "--timeout", "0.5", guest.toString());
        assertThat(r.status()).isEqualTo(4);
        assertThat(r.err()).contains("hv: timeout: spin still running after 0.5 s");
    }

    @Test
    void missingOrMalformedGuestIsAUsageErrorWithOneLine(@TempDir Path dir) throws Exception {
        Result missing = hv("run", dir.resolve("nope.elf").toString());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err().strip()).endsWith("nope.elf: no such file").doesNotContain("Exception");
        Path text = Files.writeString(dir.resolve("text.elf"), "this is not an ELF file at all, just some text......................................");
        Result malformed = hv("run", text.toString());
        assertThat(malformed.status()).isEqualTo(2);
        assertThat(malformed.err()).contains("not an ELF file (bad magic)").doesNotContain("\tat ");
    }
}
