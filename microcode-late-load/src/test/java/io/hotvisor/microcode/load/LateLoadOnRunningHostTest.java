package io.hotvisor.microcode.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.intel.IntelUpdateBuilder;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainState;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.sched.Topology;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Late loading on a real hv-runtime host (2 cores x 2 threads) through its real rendezvous, while
 * the sha256 and counter sample guests run: the guests' output must not change by a byte.
 */
class LateLoadOnRunningHostTest {
    /** hv-runtime's committed sample guests; tests run in the module folder. */
    private static final Path GUESTS = Path.of("..", "hv-runtime", "guests", "bin");
    private static final CpuIdentity CPU = CpuIdentity.intel(0x000806ec, 2, 0xf0);
    /** Generous for a shared 2-core test machine; the host's default is Xen's 30 ms. */
    private static final LateLoader.Options OPTIONS = new LateLoader.Options(false, Duration.ofMillis(500), 10);

    /** A booted guest whose console is captured from its first byte. */
    private record Guest(String name, Domain domain, ByteArrayOutputStream console) {
        static Guest boot(Host host, String name) throws Exception {
            Domain d = host.create(DomainConfig.of(name, Files.readAllBytes(GUESTS.resolve(name + ".elf"))));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            d.console().onBytes(b -> {
                synchronized (out) {
                    out.write(b, 0, b.length);
                }
            });
            d.boot();
            return new Guest(name, d, out);
        }

        String output() {
            synchronized (console) {
                return console.toString(StandardCharsets.UTF_8);
            }
        }

        String expected() throws Exception {
            return Files.readString(GUESTS.resolve(name + ".expected"));
        }
    }

    @Test
    void aLateLoadWhileGuestsRunUpdatesEveryCpuAndLeavesGuestOutputUnchanged() throws Exception {
        HostConfig config = HostConfig.defaults().withTopology(new Topology(2, 2)).withLogConsole(false);
        try (Host host = new Host(config).start()) {
            SimulatedCpus cpus = new SimulatedCpus(2, 2, CPU, RevisionEffects.SIMULATED);
            LateLoader loader = new LateLoader(cpus, host.rendezvous());
            List<Guest> guests = List.of(Guest.boot(host, "sha256"), Guest.boot(host, "counter"));
            byte[] file = IntelUpdateBuilder.concat(new IntelUpdateBuilder().revision(0xf2).minRequiredRevision(0xe0).build(),
                    new IntelUpdateBuilder().revision(0xf4).minRequiredRevision(0xe0).build());

            // A damaged file first: refused, nothing loaded, guests undisturbed.
            byte[] damaged = file.clone();
            damaged[1024 + 0x10] ^= 0x40;
            assertThatThrownBy(() -> loader.load(List.of(new LateLoader.Input("06-8e-0c", damaged)), OPTIONS))
                    .hasMessageContaining("update 2 at byte offset 1040").hasMessageContaining("[BAD_CHECKSUM]");
            assertThat(cpus.status()).extracting(SimulatedCpus.CpuStatus::revision).containsOnly(0xf0);

            assertThat(guests.get(1).domain().exit().isDone()).as("counter still runs").isFalse();
            LoadResult r = loader.load(List.of(new LateLoader.Input("06-8e-0c", file)), OPTIONS);

            assertThat(r.complete()).isTrue();
            assertThat(cpus.status()).extracting(SimulatedCpus.CpuStatus::revision).containsExactly(0xf4, 0xf4, 0xf4, 0xf4);
            assertThat(cpus.status()).allSatisfy(s -> assertThat(s.features()).contains("srbds-ctrl"));
            assertThat(r.lines()).contains("microcode: CPUs 0-1 (core 0): updated from revision 0xf0 to 0xf4, date = 2024-11-17",
                    "microcode: CPUs 2-3 (core 1): updated from revision 0xf0 to 0xf4, date = 2024-11-17",
                    "microcode: load: updated on 2 primary CPUs with 2 siblings");
            assertThat(r.pauseNanos()).isPositive();

            assertThatThrownBy(() -> loader.load(List.of(new LateLoader.Input("06-8e-0c", file)), OPTIONS))
                    .hasMessage("not newer: running 0xf4, file has 0xf4; nothing loaded (--force loads it anyway) [rule newer]");

            for (Guest g : guests) {
                assertThat(g.domain().exit().get(180, TimeUnit.SECONDS).state()).isEqualTo(DomainState.SHUTDOWN);
                assertThat(g.output()).as(g.name()).isEqualTo(g.expected());
            }
        }
    }
}
