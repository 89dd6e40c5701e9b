package io.hotvisor.runtime.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hotvisor.runtime.arch.riscv.RandomGuest;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainExit;
import io.hotvisor.runtime.domain.DomainState;
import io.hotvisor.runtime.sched.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Differential runs against the reference platform: each guest prints the same bytes under
 * QEMU's TCG with OpenSBI, under Hotvisor's translator and under its interpreter. Skipped, with
 * the reason, where QEMU is not installed.
 */
class QemuDifferentialTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void needsQemu() {
        assumeTrue(Qemu.available(), Qemu::missing);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "sha256", "primes", "counter", "traps"})
    void sampleGuestsPrintTheSameOnQemuAndOnBothEngines(String guest) throws Exception {
        Path elf = SampleGuests.BIN.resolve(guest + ".elf");
        String qemu = Qemu.run(elf, 120).output();
        assertThat(qemu).isEqualTo(SampleGuests.expected(guest));
        assertThat(onHotvisor(guest, Files.readAllBytes(elf), Engine.TRANSLATOR)).isEqualTo(qemu);
        assertThat(onHotvisor(guest, Files.readAllBytes(elf), Engine.INTERPRETER)).isEqualTo(qemu);
    }

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, 12).boxed();
    }

    /** Random straight-line code, looped; odd seeds also access memory misaligned. */
    @ParameterizedTest
    @MethodSource("seeds")
    void randomGuestsComputeTheSameChecksumOnQemuAndOnBothEngines(long seed) throws Exception {
        byte[] image = RandomGuest.elf(seed, 200, 40, seed % 2 == 1);
        Path elf = dir.resolve("random-" + seed + ".elf");
        Files.write(elf, image);
        String qemu = Qemu.run(elf, 60).output();
        assertThat(qemu).matches("[0-9a-f]{16}\n");
        assertThat(onHotvisor("random-" + seed, image, Engine.TRANSLATOR)).as("translator, seed " + seed).isEqualTo(qemu);
        assertThat(onHotvisor("random-" + seed, image, Engine.INTERPRETER)).as("interpreter, seed " + seed).isEqualTo(qemu);
    }

    private static String onHotvisor(String name, byte[] image, Engine engine) throws Exception {
        // Every block translated at its first run: all of the guest's code goes through the translator.
        HostConfig config = HostConfig.defaults().withTopology(new Topology(1, 1)).withLogConsole(false).withEngine(engine)
                .withTranslateAfter(1);
        try (Host host = new Host(config).start()) {
            SampleGuests.Running run = SampleGuests.boot(host, DomainConfig.of(name, image));
            DomainExit how = run.awaitExit(120);
            assertThat(how.state()).as(name + " on the " + engine + ": " + how.detail()).isEqualTo(DomainState.SHUTDOWN);
            return run.output();
        }
    }
}
