package io.hotvisor.microcode.load;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.intel.IntelUpdateBuilder;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.sched.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The pause guests see during a late load on 4 pCPUs (2 cores x 2 threads) of a real host running
 * the sha256, primes and counter guests: {@code runs} forced loads of a synthetic update, each one
 * rendezvous, and the load of Debian's real 06-8c-01 when a path to it is given. Run by hand (see
 * the module README); a main rather than JMH because each sample is one rendezvous of a live host,
 * which the report's own clock times, as RendezvousTest does for hv-runtime.
 *
 * <p>Arguments: {@code [runs] [path to intel-ucode/06-8c-01]}.
 */
public final class LateLoadPauseBenchmark {
    private LateLoadPauseBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path guests = Path.of("..", "hv-runtime", "guests", "bin");
        HostConfig config = HostConfig.defaults().withTopology(new Topology(2, 2)).withLogConsole(false);
        try (Host host = new Host(config).start()) {
            for (String g : List.of("sha256", "primes", "counter")) {
                host.create(DomainConfig.of(g, Files.readAllBytes(guests.resolve(g + ".elf")))).boot();
            }
            SimulatedCpus cpus = new SimulatedCpus(2, 2, CpuIdentity.intel(0x000806ec, 2, 0xf0), RevisionEffects.SIMULATED);
            LateLoader loader = new LateLoader(cpus, host.rendezvous());
            List<LateLoader.Input> file = List.of(new LateLoader.Input("06-8e-0c", new IntelUpdateBuilder().revision(0xf4).build()));
            LateLoader.Options forced = new LateLoader.Options(true, Duration.ofMillis(30), 20);
            for (int i = 0; i < 50; i++) {
                loader.load(file, forced); // warm-up
            }
            long[] pause = new long[runs];
            long[] quiesce = new long[runs];
            long[] window = new long[runs];
            int busy = 0;
            int exceeded = 0;
            for (int i = 0; i < runs; i++) {
                LoadResult r = loader.load(file, forced);
                pause[i] = r.pauseNanos();
                quiesce[i] = r.quiesceNanos();
                window[i] = r.windowNanos();
                busy += r.attempts() - 1;
                exceeded += r.pauseExceeded() ? 1 : 0;
            }
            System.out.printf("late load, 4 pCPUs (2x2), 3 guests running, %d loads (%d busy or too-late retries,"
                    + " %d pauses past the 30 ms timeout, each reported as a warning):%n", runs, busy, exceeded);
            print("guest pause", pause);
            print("quiesce", quiesce);
            print("load window", window);
            if (args.length > 1) {
                SimulatedCpus tgl = new SimulatedCpus(2, 2, CpuConfig.defaults(), RevisionEffects.SIMULATED);
                LoadResult r = new LateLoader(tgl, host.rendezvous())
                        .load(List.of(new LateLoader.Input("06-8c-01", Files.readAllBytes(Path.of(args[1])))), LateLoader.Options.defaults());
                r.lines().forEach(System.out::println);
            }
        }
    }

    private static void print(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf("  %-12s p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms%n", what, s[s.length / 2] / 1e6,
                s[(int) (s.length * 0.9)] / 1e6, s[(int) (s.length * 0.99)] / 1e6, s[s.length - 1] / 1e6);
    }
}
