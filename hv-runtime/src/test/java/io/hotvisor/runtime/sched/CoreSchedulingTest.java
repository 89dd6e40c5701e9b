package io.hotvisor.runtime.sched;

import io.hotvisor.runtime.domain.DomainState;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.host.SampleGuests;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Core scheduling (sched-gran=core): four domains on four pCPUs (2 cores x 2 threads); the recorded
 * schedule shows sibling threads never ran different domains at overlapping times. The same check
 * on sched-gran=cpu finds such overlaps, which shows the check can fail.
 */
class CoreSchedulingTest {
    private static final List<String> GUESTS = List.of("counter", "sha256", "primes", "counter");

    @Test
    void siblingThreadsNeverRunDifferentDomainsAtOnceWithCoreScheduling() throws Exception {
        List<ScheduleTrace.Slice> slices = runFourDomains(SchedGran.CORE);
        assertThat(slices).hasSizeGreaterThan(100);
        assertThat(siblingOverlapsOfDifferentDomains(slices)).isEmpty();
    }

    @Test
    void withCpuGranularitySiblingsDoRunDifferentDomainsAtOnce() throws Exception {
        List<ScheduleTrace.Slice> slices = runFourDomains(SchedGran.CPU);
        assertThat(siblingOverlapsOfDifferentDomains(slices)).isNotEmpty();
    }

    private static List<ScheduleTrace.Slice> runFourDomains(SchedGran gran) throws Exception {
        HostConfig config = HostConfig.defaults().withTopology(new Topology(2, 2)).withSchedGran(gran)
                .withTrace(200_000).withLogConsole(false);
        try (Host host = new Host(config).start()) {
            List<SampleGuests.Running> runs = new ArrayList<>();
            for (int i = 0; i < GUESTS.size(); i++) {
                String g = GUESTS.get(i);
                runs.add(SampleGuests.boot(host, io.hotvisor.runtime.domain.DomainConfig.of(g + i, SampleGuests.image(g))));
            }
            for (int i = 0; i < runs.size(); i++) {
                assertThat(runs.get(i).awaitExit(180).state()).isEqualTo(DomainState.SHUTDOWN);
                assertThat(runs.get(i).output()).isEqualTo(SampleGuests.expected(GUESTS.get(i)));
            }
            return host.trace().slices();
        }
    }

    /** Pairs of slices on sibling pCPUs (same core, different thread) that overlap in time but ran different domains. */
    static List<String> siblingOverlapsOfDifferentDomains(List<ScheduleTrace.Slice> slices) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < slices.size() && found.size() < 10; i++) {
            ScheduleTrace.Slice a = slices.get(i);
            for (int j = i + 1; j < slices.size(); j++) {
                ScheduleTrace.Slice b = slices.get(j);
                if (a.core() != b.core() || a.pcpu() == b.pcpu() || a.domain() == b.domain()) continue;
                if (a.startNanos() < b.endNanos() && b.startNanos() < a.endNanos()) {
                    found.add(a + " overlaps " + b);
                    break;
                }
            }
        }
        return found;
    }
}
