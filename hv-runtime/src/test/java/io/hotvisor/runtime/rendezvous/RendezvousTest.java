package io.hotvisor.runtime.rendezvous;

import io.hotvisor.stopmachine.StopMachine;

import io.hotvisor.runtime.domain.DomainState;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.host.SampleGuests;
import io.hotvisor.runtime.sched.SchedGran;
import io.hotvisor.runtime.sched.Topology;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stop-machine primitive on a real host running real guests. */
class RendezvousTest {
    private static final List<String> GUESTS = List.of("sha256", "primes", "counter");

    @Test
    void twoHundredRendezvousLeaveEveryGuestsOutputUnchanged() throws Exception {
        assertTwoHundredRendezvousAreInvisible(SchedGran.CPU);
    }

    @Test
    void twoHundredRendezvousUnderCoreSchedulingNeitherDeadlockNorChangeOutput() throws Exception {
        assertTwoHundredRendezvousAreInvisible(SchedGran.CORE);
    }

    private static void assertTwoHundredRendezvousAreInvisible(SchedGran gran) throws Exception {
        HostConfig config = HostConfig.defaults().withTopology(new Topology(2, 2)).withSchedGran(gran).withLogConsole(false);
        long[] pauses = new long[200];
        try (Host host = new Host(config).start()) {
            List<SampleGuests.Running> runs = new ArrayList<>();
            for (String g : GUESTS) runs.add(SampleGuests.boot(host, g));
            AtomicInteger guestsMovedInWindow = new AtomicInteger();
            for (int i = 0; i < pauses.length; i++) {
                long before = instructions(host);
                StopMachine.Report r = retryWhileBusy(() -> host.rendezvous().run(() -> {
                    // While parked no guest instruction retires: read the counters twice.
                    long a = instructions(host);
                    Thread.onSpinWait();
                    if (instructions(host) != a) guestsMovedInWindow.incrementAndGet();
                }, Duration.ofMillis(500)));
                pauses[i] = r.pauseNanos();
                assertThat(instructions(host)).isGreaterThanOrEqualTo(before);
            }
            assertThat(guestsMovedInWindow).hasValue(0);
            for (int i = 0; i < runs.size(); i++) {
                assertThat(runs.get(i).awaitExit(180).state()).isEqualTo(DomainState.SHUTDOWN);
                assertThat(runs.get(i).output()).isEqualTo(SampleGuests.expected(GUESTS.get(i)));
            }
        }
        Arrays.sort(pauses);
        System.out.printf("rendezvous pause (%s, 200 runs): p50 %.3f ms, p99 %.3f ms, max %.3f ms%n", gran,
                pauses[100] / 1e6, pauses[197] / 1e6, pauses[199] / 1e6);
    }

    @Test
    void aPcpuStuckInALongSliceMakesTheRendezvousBusyAndNothingRuns() throws Exception {
        // A slice of two billion instructions keeps the counter guest's pCPU away from its safe point
        // for seconds: the 30 ms deadline passes with one pCPU missing.
        HostConfig config = HostConfig.defaults().withTopology(new Topology(1, 2)).withSlice(2_000_000_000L)
                .withRendezvousIpi(false).withLogConsole(false);
        try (Host host = new Host(config).start()) {
            SampleGuests.Running counter = SampleGuests.boot(host, "counter");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> host.scheduler().pcpuStats().stream().anyMatch(s -> s.slices() == 0)
                            && counter.domain().vcpus().get(0).running());
            AtomicBoolean ran = new AtomicBoolean();
            assertThatThrownBy(() -> host.rendezvous().run(() -> ran.set(true), StopMachine.DEFAULT_TIMEOUT))
                    .isInstanceOf(StopMachine.BusyException.class)
                    .hasMessageContaining("1 of 2 arrived")
                    .hasMessageContaining("nothing was changed");
            assertThat(ran).isFalse();
            assertThat(counter.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
            assertThat(counter.output()).isEqualTo(SampleGuests.expected("counter"));
        }
    }

    @Test
    void perCoreActionRunsOnceOnEachCoresFirstThreadWhileAllAreParked() throws Exception {
        HostConfig config = HostConfig.defaults().withTopology(new Topology(2, 2)).withLogConsole(false);
        try (Host host = new Host(config).start()) {
            SampleGuests.Running counter = SampleGuests.boot(host, "counter");
            Set<Integer> cores = ConcurrentHashMap.newKeySet();
            Set<String> threads = ConcurrentHashMap.newKeySet();
            retryWhileBusy(() -> host.rendezvous().runPerCore(core -> {
                cores.add(core);
                threads.add(Thread.currentThread().getName());
            }, Duration.ofMillis(500)));
            assertThat(cores).containsExactlyInAnyOrder(0, 1);
            assertThat(threads).containsExactlyInAnyOrder("pcpu-0", "pcpu-2");
            assertThat(counter.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
        }
    }

    @Test
    void aFailingActionIsReportedAndEveryPcpuIsReleased() throws Exception {
        try (Host host = new Host(HostConfig.defaults().withLogConsole(false)).start()) {
            assertThatThrownBy(() -> host.rendezvous().run(() -> { throw new IllegalStateException("boom"); }, Duration.ofMillis(500)))
                    .isInstanceOf(IllegalStateException.class).hasMessage("boom");
            SampleGuests.Running hello = SampleGuests.boot(host, "hello");
            assertThat(hello.awaitExit(30).state()).isEqualTo(DomainState.SHUTDOWN);
        }
    }

    @Test
    void everyPcpuRunsTheArrivalOnItsOwnThreadBeforeTheActionRuns() throws Exception {
        HostConfig config = HostConfig.defaults().withTopology(new Topology(2, 2)).withSchedGran(SchedGran.CORE).withLogConsole(false);
        try (Host host = new Host(config).start()) {
            SampleGuests.Running counter = SampleGuests.boot(host, "counter");
            assertThat(host.rendezvous().pcpuThreads()).extracting(Thread::getName)
                    .containsExactlyInAnyOrder("pcpu-0", "pcpu-1", "pcpu-2", "pcpu-3");
            Set<String> arrivedOn = ConcurrentHashMap.newKeySet();
            Set<Integer> arrivedAs = ConcurrentHashMap.newKeySet();
            List<Integer> seenByAction = new ArrayList<>();
            retryWhileBusy(() -> {
                arrivedOn.clear();
                arrivedAs.clear();
                return host.rendezvous().run(() -> seenByAction.add(arrivedAs.size()), Duration.ofMillis(500), pcpu -> {
                    arrivedOn.add(Thread.currentThread().getName());
                    arrivedAs.add(pcpu);
                });
            });
            assertThat(arrivedOn).containsExactlyInAnyOrder("pcpu-0", "pcpu-1", "pcpu-2", "pcpu-3");
            assertThat(arrivedAs).containsExactlyInAnyOrder(0, 1, 2, 3);
            assertThat(seenByAction).containsExactly(4);
            assertThat(counter.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
            assertThat(counter.output()).isEqualTo(SampleGuests.expected("counter"));
        }
    }

    @Test
    void anArrivalThatThrowsWithdrawsTheRequestAndTheActionDoesNotRun() throws Exception {
        try (Host host = new Host(HostConfig.defaults().withLogConsole(false)).start()) {
            AtomicBoolean ran = new AtomicBoolean();
            assertThatThrownBy(() -> retryWhileBusy(() -> host.rendezvous().run(() -> ran.set(true), Duration.ofMillis(500),
                    pcpu -> {
                        if (pcpu == 1) throw new IllegalStateException("pCPU 1 saw something");
                    })))
                    .isInstanceOf(IllegalStateException.class).hasMessage("pCPU 1 saw something");
            assertThat(ran).isFalse();
            SampleGuests.Running hello = SampleGuests.boot(host, "hello");
            assertThat(hello.awaitExit(30).state()).isEqualTo(DomainState.SHUTDOWN);
        }
    }

    private static long instructions(Host host) {
        return host.scheduler().pcpuStats().stream().mapToLong(s -> s.instructions()).sum();
    }

    interface Attempt {
        StopMachine.Report run() throws Exception;
    }

    /** A loaded 2-core machine can miss a deadline now and then; the callers under test retry, as kpatch's CLI does. */
    private static StopMachine.Report retryWhileBusy(Attempt attempt) throws Exception {
        for (int tries = 1; ; tries++) {
            try {
                return attempt.run();
            } catch (StopMachine.BusyException e) {
                if (tries == 5) throw e;
            }
        }
    }
}
