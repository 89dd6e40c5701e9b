package io.hotvisor.runtime.sched.credit2;

import io.hotvisor.runtime.sched.Scheduler;
import io.hotvisor.runtime.sched.Topology;
import io.hotvisor.runtime.sched.SchedGran;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainState;
import io.hotvisor.runtime.host.SampleGuests;
import io.hotvisor.runtime.rendezvous.Rendezvous;
import io.hotvisor.runtime.sbi.DomainDirectory;
import io.hotvisor.runtime.sbi.SbiDispatcher;
import io.hotvisor.runtime.state.ImportReport;
import io.hotvisor.runtime.state.SnapshotCodec;
import io.hotvisor.runtime.state.StateTransferException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A credit2 scheduler handing its run queues to a new instance, as a bundle update will: real guests
 * run on the first, it stops mid-run, its state crosses as JSON bytes, the second takes over, and
 * every guest finishes with its expected output.
 */
class Credit2StateTransferTest {
    private static final Topology TOPOLOGY = new Topology(2, 2);
    private static final long SLICE = 20_000;
    private static final List<String> GUESTS = List.of("counter", "primes", "sha256");

    /** The live domains, built the way Host builds them, and the scheduler their exits go to. */
    private final Map<Integer, Domain> domains = new ConcurrentHashMap<>();
    private final AtomicReference<Credit2> current = new AtomicReference<>();
    private final long startNanos = System.nanoTime();
    private final SbiDispatcher sbi = new SbiDispatcher(new DomainDirectory() {
        @Override public Domain byId(long id) { return id < 0 || id > Integer.MAX_VALUE ? null : domains.get((int) id); }
        @Override public Domain byName(String name) {
            return domains.values().stream().filter(d -> d.name().equals(name)).findFirst().orElse(null);
        }
    });

    @ParameterizedTest
    @EnumSource(SchedGran.class)
    void aNewSchedulerTakesOverTheQueuesMidRunAndEveryGuestFinishes(SchedGran gran) throws Exception {
        Rendezvous rendezvous = new Rendezvous(TOPOLOGY.cores(), TOPOLOGY.threadsPerCore());
        Credit2 old = new Credit2(TOPOLOGY, gran, SLICE, rendezvous, null);
        current.set(old);
        List<ByteArrayOutputStream> consoles = new ArrayList<>();
        List<Domain> created = new ArrayList<>();
        for (String g : GUESTS) {
            Domain d = create(g, DomainConfig.of(g, SampleGuests.image(g)).withVcpus(gran == SchedGran.CORE ? 2 : 1));
            old.insert(d);
            consoles.add(capture(d));
            created.add(d);
        }
        old.start();
        created.forEach(Domain::boot);
        while (instructions(old) < 500_000) Thread.sleep(1); // mid-run; the RUNNING check below confirms no guest ended yet
        old.stop();

        assertThat(created).allSatisfy(d -> assertThat(d.state()).isEqualTo(DomainState.RUNNING));
        Credit2Snapshot snapshot = old.exportState();
        assertThat(old.exportState()).isEqualTo(snapshot);
        assertThat(snapshot.queues().stream().mapToInt(q -> q.units().size()).sum()).isEqualTo(GUESTS.size());
        assertAccountingAddsUpToThePcpuCounters(snapshot);

        Credit2 next = new Credit2(TOPOLOGY, gran, SLICE, rendezvous, null);
        ImportReport report = next.importState(SnapshotCodec.read(SnapshotCodec.write(snapshot)), domains::get);
        assertThat(report.skipped()).isEmpty();
        assertThat(report.fromVersion()).isEqualTo(2);
        assertThat(next.exportState()).isEqualTo(snapshot);

        current.set(next);
        next.start();
        try {
            for (int i = 0; i < GUESTS.size(); i++) {
                assertThat(created.get(i).exit().get(180, TimeUnit.SECONDS).state()).isEqualTo(DomainState.SHUTDOWN);
                assertThat(output(consoles.get(i))).isEqualTo(SampleGuests.expected(GUESTS.get(i)));
            }
        } finally {
            next.stop();
        }
        assertThat(instructions(next)).isGreaterThan(instructions(old));
    }

    @Test
    void unitsOfADomainThatNoLongerExistsAreSkippedAndReported() throws Exception {
        Credit2 old = scheduler(SchedGran.CPU);
        Domain a = create("a", DomainConfig.of("a", SampleGuests.image("counter")));
        Domain b = create("b", DomainConfig.of("b", SampleGuests.image("counter")).withVcpus(2));
        old.insert(a);
        old.insert(b);
        Credit2Snapshot snapshot = old.exportState();
        domains.remove(b.id());

        Credit2 next = scheduler(SchedGran.CPU);
        ImportReport report = next.importState(snapshot, domains::get);
        assertThat(report.skipped()).hasSize(2).allSatisfy(line -> assertThat(line).contains("d" + b.id()).contains("no longer exists"));
        assertThat(next.exportState().queues()).flatExtracting(Credit2Snapshot.Queue::units)
                .extracting(Credit2Snapshot.Unit::domain).containsExactly(a.id());
    }

    @Test
    void aVersionOneSnapshotIsImportedWithZeroPerVcpuAccounting() throws Exception {
        Credit2 old = scheduler(SchedGran.CORE);
        Domain a = create("a", DomainConfig.of("a", SampleGuests.image("counter")).withVcpus(2));
        old.insert(a);
        ObjectMapper json = new ObjectMapper();
        ObjectNode v1 = (ObjectNode) json.readTree(SnapshotCodec.write(old.exportState()));
        v1.put("version", 1);
        v1.findParents("accounting").forEach(unit -> ((ObjectNode) unit).remove("accounting"));

        Credit2 next = scheduler(SchedGran.CORE);
        ImportReport report = next.importState(SnapshotCodec.read(json.writeValueAsBytes(v1)), domains::get);
        assertThat(report.fromVersion()).isEqualTo(1);
        assertThat(report.toVersion()).isEqualTo(2);
        Credit2Snapshot.Unit unit = next.exportState().queues().get(0).units().get(0);
        assertThat(unit.vcpus()).containsExactly(0, 1);
        assertThat(unit.accounting()).containsExactly(new Credit2Snapshot.VcpuAccount(0, 0, 0), new Credit2Snapshot.VcpuAccount(1, 0, 0));
    }

    @Test
    void aSnapshotNewerThanTheImporterIsRefusedNamingBothVersions() throws Exception {
        Credit2 old = scheduler(SchedGran.CPU);
        ObjectNode v3 = (ObjectNode) new ObjectMapper().readTree(SnapshotCodec.write(old.exportState()));
        v3.put("version", 3);
        Credit2 next = scheduler(SchedGran.CPU);
        assertThatThrownBy(() -> next.importState(SnapshotCodec.read(new ObjectMapper().writeValueAsBytes(v3)), domains::get))
                .isInstanceOfSatisfying(StateTransferException.class, e -> assertThat(e.code()).isEqualTo(StateTransferException.Code.UNSUPPORTED_VERSION))
                .hasMessageContaining("credit2 snapshot version 3").hasMessageContaining("version 2");
    }

    @Test
    void aSnapshotOfAnotherTopologyOrGranularityIsRefused() throws Exception {
        Credit2Snapshot core = scheduler(SchedGran.CORE).exportState();
        assertThatThrownBy(() -> scheduler(SchedGran.CPU).importState(core, domains::get))
                .isInstanceOfSatisfying(StateTransferException.class, e -> assertThat(e.code()).isEqualTo(StateTransferException.Code.INCOMPATIBLE))
                .hasMessageContaining("sched-gran=core").hasMessageContaining("sched-gran=cpu");
        Credit2 wider = new Credit2(new Topology(4, 1), SchedGran.CPU, SLICE, new Rendezvous(4, 1), null);
        assertThatThrownBy(() -> wider.importState(scheduler(SchedGran.CPU).exportState(), domains::get))
                .isInstanceOf(StateTransferException.class).hasMessageContaining("2x2").hasMessageContaining("4x1");
    }

    @Test
    void aSchedulerWithDomainsAlreadyInsertedRefusesAnImport() throws Exception {
        Credit2 next = scheduler(SchedGran.CPU);
        next.insert(create("a", DomainConfig.of("a", SampleGuests.image("counter"))));
        assertThatThrownBy(() -> next.importState(scheduler(SchedGran.CPU).exportState(), domains::get))
                .isInstanceOfSatisfying(StateTransferException.class, e -> assertThat(e.code()).isEqualTo(StateTransferException.Code.INCOMPATIBLE))
                .hasMessageContaining("no domain inserted");
    }

    private Credit2 scheduler(SchedGran gran) {
        return new Credit2(TOPOLOGY, gran, SLICE, new Rendezvous(TOPOLOGY.cores(), TOPOLOGY.threadsPerCore()), null);
    }

    /** As Host.create: a paused domain whose exit removes it from the current scheduler. */
    private Domain create(String name, DomainConfig cfg) throws Exception {
        int id = domains.size() + 1;
        Domain d = new Domain(id, cfg, sbi::handlerFor, () -> (System.nanoTime() - startNanos) / 100);
        domains.put(id, d);
        d.exit().thenAccept(how -> {
            domains.remove(id, d);
            current.get().remove(d);
        });
        return d;
    }

    private static ByteArrayOutputStream capture(Domain d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        d.console().onBytes(b -> {
            synchronized (out) {
                out.write(b, 0, b.length);
            }
        });
        return out;
    }

    private static String output(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static long instructions(Scheduler s) {
        return s.pcpuStats().stream().mapToLong(Scheduler.PcpuStats::instructions).sum();
    }

    /** While no domain has ended, the per-vCPU accounting of the units adds up to the per-pCPU counters. */
    private static void assertAccountingAddsUpToThePcpuCounters(Credit2Snapshot s) {
        long vcpuSlices = 0, vcpuInstructions = 0;
        for (Credit2Snapshot.Queue q : s.queues()) {
            for (Credit2Snapshot.Unit u : q.units()) {
                for (Credit2Snapshot.VcpuAccount a : u.accounting()) {
                    vcpuSlices += a.slices();
                    vcpuInstructions += a.instructions();
                }
            }
        }
        assertThat(vcpuSlices).isEqualTo(s.pcpus().stream().mapToLong(Credit2Snapshot.Pcpu::slices).sum());
        assertThat(vcpuInstructions).isEqualTo(s.pcpus().stream().mapToLong(Credit2Snapshot.Pcpu::instructions).sum()).isPositive();
    }
}
