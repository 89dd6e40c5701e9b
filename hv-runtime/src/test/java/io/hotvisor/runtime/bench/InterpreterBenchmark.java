package io.hotvisor.runtime.bench;

import io.hotvisor.runtime.arch.riscv.Hart;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.elf.ElfImage;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.memory.GuestMemory;
import io.hotvisor.runtime.sched.Topology;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Guest instructions per second of one pCPU thread on the SHA-256 sample guest (about 98.6 million
 * instructions to completion): {@code hartAlone} runs the interpreter directly; {@code hostOnePcpu}
 * runs the guest as a domain on a 1x1 host, scheduler and slices included. The {@code instructions}
 * counter is the figure: JMH reports it as a rate.
 *
 * <p>Run: {@code mvn -B -q -Pbench -pl hv-runtime test-compile exec:exec} (from the repository root).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class InterpreterBenchmark {
    /** Per-iteration counters JMH turns into rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long instructions;

        @Setup(Level.Iteration)
        public void clear() {
            instructions = 0;
        }
    }

    @State(Scope.Benchmark)
    public static class Guest {
        byte[] image;

        @Setup(Level.Trial)
        public void load() throws Exception {
            image = Files.readAllBytes(Path.of(System.getProperty("hv.guests", "hv-runtime/guests/bin")).resolve("sha256.elf"));
        }
    }

    @Benchmark
    public long hartAlone(Guest guest, Counters counters) throws Exception {
        GuestMemory mem = new GuestMemory(16 << 20);
        ElfImage elf = ElfImage.parse(guest.image);
        elf.load(guest.image, mem);
        boolean[] done = new boolean[1];
        Hart hart = new Hart(0, mem, h -> {
            if (h.reg(17) == 0x53525354L) { done[0] = true; return Hart.EXIT_ECALL; } // SRST: the guest is finished
            h.setReg(10, 0); // console output and other calls: succeed silently
            return Hart.EXIT_BUDGET;
        }, () -> 0);
        hart.reset(elf.entry(), 0);
        while (!done[0]) {
            if (hart.run(HostConfig.DEFAULT_SLICE) == Hart.EXIT_CRASH) throw new IllegalStateException(hart.crashReason());
        }
        counters.instructions += hart.instret();
        return hart.instret();
    }

    @Benchmark
    public long hostOnePcpu(Guest guest, Counters counters, HostState host) throws Exception {
        Domain d = host.host.create(DomainConfig.of("sha256-" + host.runs++, guest.image));
        d.boot();
        d.exit().get();
        long n = d.vcpus().get(0).hart().instret();
        counters.instructions += n;
        return n;
    }

    @State(Scope.Thread)
    public static class HostState {
        Host host;
        int runs;

        @Setup(Level.Trial)
        public void start() {
            host = new Host(HostConfig.defaults().withTopology(new Topology(1, 1)).withLogConsole(false)).start();
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            host.close();
        }
    }
}
