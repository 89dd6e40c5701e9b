package io.hotvisor.runtime.evtchn;

import io.hotvisor.runtime.evtchn.EventChannelTable.Status;
import io.hotvisor.runtime.state.SnapshotCodec;
import io.hotvisor.runtime.state.StateTransferException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Event channels exported and imported into fresh tables (the next bundle version's), through JSON
 * bytes: ports, pending bits and interdomain links behave as before the transfer.
 */
class EventChannelStateTransferTest {
    private EventChannelTable ping, pong;
    private int pingPort, pongPort, offered;

    /** ping (d1) offers a port to pong (d2), pong binds it, pong sends; d1 also offers one to d3, unbound. */
    @BeforeEach
    void pingPong() {
        ping = new EventChannelTable(1, () -> {});
        pong = new EventChannelTable(2, () -> {});
        pingPort = ping.allocUnbound(2);
        pongPort = pong.bindInterdomain(ping, pingPort);
        assertThat(pong.send(pongPort)).isEqualTo(Status.OK);
        offered = ping.allocUnbound(3);
    }

    @Test
    void snapshotListsOpenPortsWithStatePeerAndPending() {
        assertThat(ping.exportState()).isEqualTo(new EventChannelSnapshot("evtchn", 1, 1, List.of(
                new EventChannelSnapshot.Port(pingPort, "interdomain", 2, pongPort, true),
                new EventChannelSnapshot.Port(offered, "unbound", 3, 0, false))));
        assertThat(pong.exportState().ports()).containsExactly(new EventChannelSnapshot.Port(pongPort, "interdomain", 1, pingPort, false));
    }

    @Test
    void importedTablesKeepPendingBitsAndSendAndCloseAsBefore() throws Exception {
        AtomicInteger pongWakeups = new AtomicInteger();
        EventChannelTable ping2 = new EventChannelTable(1, () -> {});
        EventChannelTable pong2 = new EventChannelTable(2, pongWakeups::incrementAndGet);
        ping2.importState(SnapshotCodec.read(SnapshotCodec.write(ping.exportState())), null);
        pong2.importState(SnapshotCodec.read(SnapshotCodec.write(pong.exportState())), null);
        assertThat(EventChannelTable.link(List.of(ping2, pong2))).isEmpty();

        assertThat(ping2.exportState()).isEqualTo(ping.exportState());
        assertThat(pong2.exportState()).isEqualTo(pong.exportState());
        assertThat(ping2.isPending(pingPort)).isTrue();
        assertThat(ping2.consume(pingPort)).isTrue();
        assertThat(ping2.isPending(pingPort)).isFalse();

        assertThat(ping2.send(pingPort)).isEqualTo(Status.OK);
        assertThat(pong2.isPending(pongPort)).isTrue();
        assertThat(pongWakeups).hasValue(1);
        assertThat(ping2.send(offered)).isEqualTo(Status.INVALID_STATE);

        assertThat(pong2.close(pongPort)).isEqualTo(Status.OK);
        assertThat(ping2.exportState().ports()).first().isEqualTo(new EventChannelSnapshot.Port(pingPort, "unbound", 2, 0, false));
        assertThat(ping2.send(pingPort)).isEqualTo(Status.INVALID_STATE);
    }

    @Test
    void anUnboundPortOfferedBeforeTheTransferCanBeBoundAfterIt() throws Exception {
        EventChannelTable ping2 = new EventChannelTable(1, () -> {});
        EventChannelTable d3 = new EventChannelTable(3, () -> {});
        ping2.importState(ping.exportState(), null);
        EventChannelTable.link(List.of(ping2, d3));
        int port = d3.bindInterdomain(ping2, offered);
        assertThat(port).isPositive();
        assertThat(d3.send(port)).isEqualTo(Status.OK);
        assertThat(ping2.isPending(offered)).isTrue();
    }

    @Test
    void sendsFailUntilTheLinkStepRuns() throws Exception {
        EventChannelTable ping2 = new EventChannelTable(1, () -> {});
        EventChannelTable pong2 = new EventChannelTable(2, () -> {});
        ping2.importState(ping.exportState(), null);
        pong2.importState(pong.exportState(), null);
        assertThat(ping2.send(pingPort)).isEqualTo(Status.INVALID_DOMAIN);
        EventChannelTable.link(List.of(ping2, pong2));
        assertThat(ping2.send(pingPort)).isEqualTo(Status.OK);
    }

    @Test
    void aPortWhosePeerWasNotImportedIsUnboundAgainAndReported() throws Exception {
        EventChannelTable ping2 = new EventChannelTable(1, () -> {});
        ping2.importState(ping.exportState(), null);
        assertThat(EventChannelTable.link(List.of(ping2))).singleElement().asString()
                .contains("d1 port " + pingPort).contains("peer d2").contains("not imported");
        assertThat(ping2.exportState().ports()).first().isEqualTo(new EventChannelSnapshot.Port(pingPort, "unbound", 2, 0, true));
    }

    @Test
    void anotherDomainsSnapshotIsRefusedAndNothingChanges() {
        EventChannelTable d2 = new EventChannelTable(2, () -> {});
        assertThatThrownBy(() -> d2.importState(ping.exportState(), null))
                .isInstanceOfSatisfying(StateTransferException.class, e -> assertThat(e.code()).isEqualTo(StateTransferException.Code.INCOMPATIBLE))
                .hasMessageContaining("domain 1").hasMessageContaining("domain 2");
        assertThat(d2.exportState().ports()).isEmpty();
    }

    @Test
    void aMalformedPortIsRefusedBeforeAnyPortChanges() {
        EventChannelSnapshot bad = new EventChannelSnapshot("evtchn", 1, 1, List.of(
                new EventChannelSnapshot.Port(5, "unbound", 2, 0, false),
                new EventChannelSnapshot.Port(EventChannelTable.MAX_PORTS, "unbound", 2, 0, false)));
        EventChannelSnapshot before = ping.exportState();
        assertThatThrownBy(() -> ping.importState(bad, null)).isInstanceOf(StateTransferException.class).hasMessageContaining("out of range");
        assertThat(ping.exportState()).isEqualTo(before);
    }
}
