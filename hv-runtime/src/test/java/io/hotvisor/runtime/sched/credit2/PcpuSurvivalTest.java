package io.hotvisor.runtime.sched.credit2;

import io.hotvisor.runtime.sched.Topology;
import io.hotvisor.runtime.sched.SchedGran;
import io.hotvisor.runtime.arch.riscv.Hart;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainState;
import io.hotvisor.runtime.elf.TinyElf;
import io.hotvisor.runtime.rendezvous.Rendezvous;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A throw on a pCPU thread (a hypervisor bug, such as a bad live patch) is reported to the uncaught
 * exception handler and the pCPU lives on: its guests keep running and rendezvous still complete,
 * so the patch that broke it can be reverted.
 */
class PcpuSurvivalTest {
    private final List<Throwable> reported = new CopyOnWriteArrayList<>();
    private Thread.UncaughtExceptionHandler previous;

    @BeforeEach
    void watch() {
        previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> reported.add(e));
    }

    @AfterEach
    void restore() {
        Thread.setDefaultUncaughtExceptionHandler(previous);
    }

    @Test
    void aThrowingSliceIsReportedAndThePcpuKeepsRunningItsGuests() throws Exception {
        for (SchedGran gran : SchedGran.values()) {
            reported.clear();
            Topology topology = new Topology(1, 2);
            Rendezvous rendezvous = new Rendezvous(topology.cores(), topology.threadsPerCore());
            Credit2 sched = new Credit2(topology, gran, 10_000, rendezvous, null);
            AtomicInteger calls = new AtomicInteger();
            byte[] image = new TinyElf().shutdown(0).build();
            Domain[] self = new Domain[1];
            // The first hypercall hits a "bug" in the hypervisor; the retried one shuts the guest down.
            Domain d = new Domain(1, DomainConfig.of("victim", image).withMemory(4 << 20), v -> hart -> {
                if (calls.incrementAndGet() == 1) throw new IllegalStateException("bug in a hypercall handler");
                self[0].shutdown(0);
                return Hart.EXIT_ECALL;
            }, () -> 0);
            self[0] = d;
            sched.insert(d);
            sched.start();
            try {
                d.boot();
                assertThat(d.exit().get(30, TimeUnit.SECONDS).state()).isEqualTo(DomainState.SHUTDOWN);
                assertThat(reported).singleElement().satisfies(e -> assertThat(e).hasMessage("bug in a hypercall handler"));
                // Every pCPU still reaches its safe point.
                assertThat(rendezvous.run(() -> { }, Duration.ofSeconds(5)).pauseNanos()).isNotNegative();
            } finally {
                sched.stop();
            }
        }
    }
}
