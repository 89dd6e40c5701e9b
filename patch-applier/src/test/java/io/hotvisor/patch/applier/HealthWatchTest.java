package io.hotvisor.patch.applier;

import io.hotvisor.control.Taints;
import io.hotvisor.patch.applier.health.HealthCheck;
import io.hotvisor.patch.applier.health.UncaughtExceptions;
import io.hotvisor.patch.applier.journal.JournalRecord;
import io.hotvisor.patch.format.manifest.HookPhase;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The health watch after an apply: a failing check reverts the payload by itself. */
class HealthWatchTest {
    @TempDir
    Path state;
    Harness h;
    Thread subsystem;

    @AfterEach
    void tearDown() {
        if (subsystem != null) {
            subsystem.interrupt();
        }
        if (h != null) {
            h.close();
        }
    }

    private Harness harness(Duration window, List<HealthCheck> checks) throws Exception {
        h = new Harness(state, Harness.config().withHealthWatch(window, Duration.ofMillis(20), checks),
                Harness.sharedHost().rendezvous());
        return h;
    }

    @Test
    void aPayloadThatThrowsInAHypervisorThreadIsRevertedAutomatically() throws Exception {
        UncaughtExceptions uncaught = new UncaughtExceptions(t -> t.getName().startsWith("hv-"));
        harness(Duration.ofSeconds(10), List.of(uncaught));
        // A subsystem thread that calls Ticker.tick once per work item; it is parked in the queue
        // (not in Ticker) whenever no item is pending, so the apply is never refused as active.
        BlockingQueue<Integer> work = new LinkedBlockingQueue<>();
        Class<?> ticker = h.bundle.type("fix.Ticker");
        subsystem = new Thread(() -> {
            try {
                while (true) {
                    int x = work.take();
                    ticker.getMethod("tick", int.class).invoke(null, x);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e.getCause());
            }
        }, "hv-sched");
        subsystem.setUncaughtExceptionHandler(uncaught.handler(null));
        subsystem.start();
        work.add(1);

        h.agent.upload("tick", Payloads.named("tick").redefine("fix.Ticker", "v1", "v2").bytes());
        h.agent.apply("tick");
        assertThat(h.agent.list().watching()).isEqualTo("tick");
        work.add(2);

        await().atMost(Duration.ofSeconds(10)).until(() -> h.agent.get("tick").orElseThrow().state() == PayloadState.CHECKED
                && h.agent.get("tick").orElseThrow().lastError() != null); // the reason is recorded just after the revert
        PayloadStatus row = h.agent.get("tick").orElseThrow();
        assertThat(row.lastError()).startsWith("HEALTH: reverted automatically")
                .contains("IllegalStateException: tick broke at 2").contains("hv-sched");
        assertThat(h.bundle.type("fix.Ticker").getMethod("tick", int.class).invoke(null, 5)).isEqualTo(6);
        assertThat(h.events).anyMatch(e -> e.level() == System.Logger.Level.ERROR
                && e.message().startsWith("reverted automatically by the health watch"));
        JournalRecord revertBegin = JournalTestSupport.read(h.agent.journalFile()).stream()
                .filter(r -> r.isBegin() && "revert".equals(r.action())).findFirst().orElseThrow();
        assertThat(revertBegin.cause()).startsWith("health: ");
    }

    @Test
    void aPayloadsOwnHealthProbeThatThrowsRevertsIt() throws Exception {
        harness(Duration.ofSeconds(10), List.of());
        h.agent.upload("probed", Payloads.named("probed").redefine("fix.Greeter", "v1", "v2").hooks(HookPhase.APPLY).bytes());
        h.agent.apply("probed");
        await().atMost(Duration.ofSeconds(5)).until(() -> HookCalls.calls().contains("probe"));
        assertThat(h.agent.get("probed").orElseThrow().state()).isEqualTo(PayloadState.APPLIED);

        HookCalls.failIn("probe");

        await().atMost(Duration.ofSeconds(10)).until(() -> h.agent.get("probed").orElseThrow().state() == PayloadState.CHECKED
                && h.agent.get("probed").orElseThrow().lastError() != null); // the reason is recorded just after the revert
        assertThat(h.greet()).isEqualTo("v1");
        assertThat(h.agent.get("probed").orElseThrow().lastError()).contains("health probe hook fix.Hooks.probe threw");
    }

    @Test
    void aHealthyWatchEndsAfterItsWindowAndThePayloadStaysApplied() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        harness(Duration.ofMillis(300), List.of(() -> {
            checks.incrementAndGet();
            return HealthCheck.Result.healthy();
        }));
        h.agent.upload("fix-1", Payloads.named("fix-1").redefine("fix.Greeter", "v1", "v2").bytes());
        h.agent.apply("fix-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> h.agent.list().watching() == null);
        assertThat(checks.get()).isPositive();
        assertThat(h.agent.get("fix-1").orElseThrow().state()).isEqualTo(PayloadState.APPLIED);
        assertThat(h.greet()).isEqualTo("v2");
        assertThat(h.taints.isSet(Taints.Flag.HEALTH_REVERT)).isFalse();
    }

    @Test
    void aSubsystemErrorCounterThatRisesRevertsThePayload() throws Exception {
        AtomicInteger errors = new AtomicInteger();
        harness(Duration.ofSeconds(10), List.of(HealthCheck.counterStaysFlat("credit2 accounting errors", errors::get)));
        h.agent.upload("fix-1", Payloads.named("fix-1").redefine("fix.Greeter", "v1", "v2").bytes());
        h.agent.apply("fix-1");
        errors.incrementAndGet();
        // The reason is recorded just after the revert, and the taint once the revert is journaled.
        await().atMost(Duration.ofSeconds(10)).until(() -> h.agent.get("fix-1").orElseThrow().state() == PayloadState.CHECKED
                && h.agent.get("fix-1").orElseThrow().lastError() != null && h.taints.isSet(Taints.Flag.HEALTH_REVERT));
        assertThat(h.agent.get("fix-1").orElseThrow().lastError()).contains("credit2 accounting errors rose from 0 to 1");
        assertThat(h.taints.isSet(Taints.Flag.LIVEPATCH)).isTrue();
        assertThat(h.taints.marks()).filteredOn(m -> m.flag() == Taints.Flag.HEALTH_REVERT).singleElement()
                .satisfies(m -> assertThat(m.reason()).contains("fix-1").contains("credit2 accounting errors rose from 0 to 1"));
    }
}
