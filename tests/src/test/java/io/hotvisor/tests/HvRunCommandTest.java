package io.hotvisor.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The distribution's own {@code bin/hv run} and {@code bin/hvctl}, as an operator starts them: the
 * launch scripts find the distribution from wherever they are called, and start from the class-data
 * archives the build made for exactly the class path they use.
 */
class HvRunCommandTest {
    private static final Path HV = HostProcess.DIST.resolve("bin/hv");
    private static final Path HELLO = HostProcess.DIST.resolve("guests/hello.elf");
    /** The JVM refuses to start when it cannot use the archive it is given, instead of running without it. */
    private static final Map<String, String> ARCHIVE_REQUIRED = Map.of("JAVA_TOOL_OPTIONS", "-Xshare:on");

    @Test
    void runsAGuestToItsShutdownFromAnyFolder(@TempDir Path elsewhere) throws Exception {
        HostProcess.Result r = HostProcess.run(List.of(HV.toString(), "run", HELLO.toString()), elsewhere, Map.of());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Hello from a Hotvisor guest!\n");
        assertThat(r.err()).isEmpty();

        HostProcess.Result fromBin = HostProcess.run(List.of("./hv", "run", "../guests/hello.elf"), HV.getParent(), Map.of());
        assertThat(fromBin.status()).as(fromBin.err()).isZero();
        assertThat(fromBin.out()).isEqualTo(r.out());
    }

    @Test
    void hvRunAndHvctlStartFromTheirClassDataArchives() throws Exception {
        HostProcess.Result run = HostProcess.run(List.of(HV.toString(), "run", HELLO.toString()), null, ARCHIVE_REQUIRED);
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("Hello from a Hotvisor guest!\n");

        HostProcess.Result hvctl = HostProcess.run(
                List.of(HostProcess.DIST.resolve("bin/hvctl").toString(), "--version"), null, ARCHIVE_REQUIRED);
        assertThat(hvctl.status()).as(hvctl.err()).isZero();
        assertThat(hvctl.out()).startsWith("hvctl ");
    }

    @Test
    void theDistributionsDemoFindsItsOwnGuestsFromAnyFolder(@TempDir Path elsewhere) throws Exception {
        HostProcess.Result r = HostProcess.run(List.of(HV.toString(), "demo", "--timeout", "90"), elsewhere, Map.of());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("All guests ended").contains("Hello from a Hotvisor guest!");
    }

    @Test
    void aMissingGuestIsAUsageErrorWithOneLineSayingSo(@TempDir Path elsewhere) throws Exception {
        HostProcess.Result r = HostProcess.run(List.of(HV.toString(), "run", "no-such-guest.elf"), elsewhere, Map.of());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("no-such-guest.elf: no such file").doesNotContain("Exception").doesNotContain("\tat ");
    }
}
