package io.hotvisor.runtime.host;

import io.hotvisor.runtime.domain.DomainState;
import io.hotvisor.runtime.sched.Scheduler;
import io.hotvisor.runtime.sched.SchedulerFactory;
import io.hotvisor.runtime.sched.credit2.Credit2Factory;
import io.hotvisor.runtime.state.StateTransferException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The host's scheduler handover, the runtime half of a bundle update: guests running through a
 * replacement of their scheduler finish with exactly their output, a refused import leaves the
 * handover open for another try, and an abandoned one resumes the old scheduler unchanged.
 */
class SchedulerHandoverTest {
    private Host host;

    @BeforeEach
    void start() {
        host = new Host(HostConfig.defaults().withLogConsole(false)).start();
    }

    @AfterEach
    void stop() throws Exception {
        host.close();
    }

    @Test
    void guestsKeepTheirPlaceAcrossThreeReplacements() throws Exception {
        List<SampleGuests.Running> guests = List.of(SampleGuests.boot(host, "counter"), SampleGuests.boot(host, "sha256"),
                SampleGuests.boot(host, "primes"));
        Scheduler first = host.scheduler();
        for (int i = 0; i < 3; i++) {
            try (Host.SchedulerHandover h = host.beginSchedulerHandover()) {
                assertThat(h.snapshot().subsystem()).isEqualTo("credit2");
                assertThat(h.complete(new Credit2Factory()).skipped()).isEmpty();
                assertThat(h.pauseNanos()).isPositive();
            }
        }
        assertThat(host.scheduler()).isNotSameAs(first);
        for (SampleGuests.Running g : guests) {
            assertThat(g.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
        }
        assertThat(guests.get(0).output()).isEqualTo(SampleGuests.expected("counter"));
        assertThat(guests.get(1).output()).isEqualTo(SampleGuests.expected("sha256"));
        assertThat(guests.get(2).output()).isEqualTo(SampleGuests.expected("primes"));
    }

    @Test
    void aRefusedImportCanBeRetriedAndAnAbandonedHandoverResumesTheOldScheduler() throws Exception {
        SampleGuests.Running counter = SampleGuests.boot(host, "counter");
        Scheduler old = host.scheduler();
        SchedulerFactory refusing = (topology, gran, slice, rendezvous, trace) -> new Credit2Factory()
                .create(new io.hotvisor.runtime.sched.Topology(topology.cores() + 1, topology.threadsPerCore()), gran, slice, rendezvous, trace);
        try (Host.SchedulerHandover h = host.beginSchedulerHandover()) {
            assertThatThrownBy(() -> h.complete(refusing)).isInstanceOf(StateTransferException.class)
                    .hasMessageContaining("topology");
            assertThat(host.scheduler()).isSameAs(old);
        }
        assertThat(host.scheduler()).isSameAs(old);
        assertThat(counter.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(counter.output()).isEqualTo(SampleGuests.expected("counter"));
    }
}
