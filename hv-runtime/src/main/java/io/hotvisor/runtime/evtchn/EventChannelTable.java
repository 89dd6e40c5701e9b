package io.hotvisor.runtime.evtchn;

import io.hotvisor.runtime.memory.Nospec;
import io.hotvisor.runtime.state.ImportReport;
import io.hotvisor.runtime.state.Snapshot;
import io.hotvisor.runtime.state.SnapshotFormat;
import io.hotvisor.runtime.state.StateTransfer;
import io.hotvisor.runtime.state.StateTransferException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One domain's event-channel ports, as Xen's {@code common/event_channel.c} keeps them: each port
 * is free, unbound (offered to one remote domain), or interdomain (connected to a remote port), and
 * carries a pending bit.
 *
 * <p>Ports are numbered from 1 upward; the lowest free port is allocated first. Port 0 is never
 * valid. Operations that touch two domains lock both tables in domain-id order, so two domains
 * binding to each other cannot deadlock.
 *
 * <p>State transfer ({@link StateTransfer}) is two-phase, because an interdomain port names its peer
 * by domain id while the live link is a reference to the peer's table: {@link #importState} restores
 * one table's ports and pending bits and drops its links; {@link #link(Collection)}, called once
 * every table has been imported, re-establishes the links by domain id. Until then sends from the
 * imported table return {@link Status#INVALID_DOMAIN}.
 */
public final class EventChannelTable implements StateTransfer<EventChannelSnapshot, Void> {
    /** Snapshot format: version 1, ports with state, remote domain, remote port and pending bit. */
    public static final SnapshotFormat FORMAT = new SnapshotFormat("evtchn", 1, 1);

    /** Ports per domain. */
    public static final int MAX_PORTS = 1024;

    /** Results of the operations; the SBI layer maps them to SBI error codes. */
    public enum Status { OK, INVALID_PORT, INVALID_DOMAIN, INVALID_STATE, NO_FREE_PORT }

    private static final int FREE = 0, UNBOUND = 1, INTERDOMAIN = 2;

    private final int domainId;
    private final int[] state = new int[MAX_PORTS];
    private final int[] remoteDomain = new int[MAX_PORTS];
    private final int[] remotePort = new int[MAX_PORTS];
    private final boolean[] pending = new boolean[MAX_PORTS];
    private volatile EventChannelTable[] peersById = new EventChannelTable[0];
    private final Runnable onPending;

    /**
     * @param onPending called (outside any lock) when one of this domain's ports becomes pending,
     *                  so the scheduler can wake a vCPU polling it
     */
    public EventChannelTable(int domainId, Runnable onPending) {
        this.domainId = domainId;
        this.onPending = onPending;
    }

    public int domainId() { return domainId; }

    /** Offers a new port to {@code remote}. @return the port, or a negative {@link Status} ordinal */
    public synchronized int allocUnbound(int remote) {
        int port = freePort();
        if (port < 0) return -Status.NO_FREE_PORT.ordinal();
        state[port] = UNBOUND;
        remoteDomain[port] = remote;
        pending[port] = false;
        return port;
    }

    /**
     * Connects a new local port to {@code remote}'s unbound port {@code remotePortNo}, which must have
     * been offered to this domain.
     *
     * @return the local port, or a negative {@link Status} ordinal
     */
    public int bindInterdomain(EventChannelTable remote, int remotePortNo) {
        if (remote == this || !valid(remotePortNo)) return -Status.INVALID_PORT.ordinal();
        remotePortNo = slot(remotePortNo);
        EventChannelTable first = domainId < remote.domainId ? this : remote;
        EventChannelTable second = first == this ? remote : this;
        synchronized (first) {
            synchronized (second) {
                if (remote.state[remotePortNo] != UNBOUND || remote.remoteDomain[remotePortNo] != domainId) {
                    return -Status.INVALID_STATE.ordinal();
                }
                int port = freePort();
                if (port < 0) return -Status.NO_FREE_PORT.ordinal();
                state[port] = INTERDOMAIN;
                remoteDomain[port] = remote.domainId;
                remotePort[port] = remotePortNo;
                remote.state[remotePortNo] = INTERDOMAIN;
                remote.remotePort[remotePortNo] = port;
                links(remote);
                remote.links(this);
                return port;
            }
        }
    }

    /** Marks the peer's end of {@code port} pending. */
    public Status send(int port) {
        EventChannelTable peer;
        int peerPort;
        synchronized (this) {
            if (!valid(port)) return Status.INVALID_PORT;
            port = slot(port);
            if (state[port] == FREE) return Status.INVALID_PORT;
            if (state[port] != INTERDOMAIN) return Status.INVALID_STATE; // unbound: nobody connected yet
            peer = peer(remoteDomain[port]);
            peerPort = slot(remotePort[port]);
        }
        if (peer == null) return Status.INVALID_DOMAIN;
        synchronized (peer) {
            if (peer.state[peerPort] != INTERDOMAIN || peer.remoteDomain[peerPort] != domainId) return Status.INVALID_STATE;
            peer.pending[peerPort] = true;
        }
        peer.onPending.run();
        return Status.OK;
    }

    /** Whether {@code port} is pending (a polling vCPU's wake-up condition). */
    public synchronized boolean isPending(int port) {
        return valid(port) && pending[slot(port)];
    }

    /** Clears and returns the pending bit of a bound port. */
    public synchronized boolean consume(int port) {
        if (!valid(port)) return false;
        port = slot(port);
        boolean was = pending[port];
        pending[port] = false;
        return was;
    }

    /** Whether {@code port} is open (unbound or interdomain). */
    public synchronized boolean isOpen(int port) {
        return valid(port) && state[slot(port)] != FREE;
    }

    /** Closes a port; an interdomain peer's end goes back to unbound, offered to this domain, as in Xen. */
    public Status close(int port) {
        EventChannelTable peer = null;
        int peerPort = 0;
        synchronized (this) {
            if (!valid(port)) return Status.INVALID_PORT;
            port = slot(port);
            if (state[port] == FREE) return Status.INVALID_PORT;
            if (state[port] == INTERDOMAIN) {
                peer = peer(remoteDomain[port]);
                peerPort = slot(remotePort[port]);
            }
            state[port] = FREE;
            pending[port] = false;
        }
        if (peer != null) {
            synchronized (peer) {
                if (peer.state[peerPort] == INTERDOMAIN && peer.remoteDomain[peerPort] == domainId) {
                    peer.state[peerPort] = UNBOUND;
                }
            }
        }
        return Status.OK;
    }

    /** Closes every port (domain destruction). */
    public void closeAll() {
        for (int p = 1; p < MAX_PORTS; p++) {
            if (isOpen(p)) close(p);
        }
    }

    @Override
    public SnapshotFormat format() { return FORMAT; }

    /** The open ports. Call while no vCPU of the domain or its peers runs (a quiesced host). */
    @Override
    public synchronized EventChannelSnapshot exportState() {
        List<EventChannelSnapshot.Port> ports = new ArrayList<>();
        for (int p = 1; p < MAX_PORTS; p++) {
            if (state[p] == FREE) continue;
            boolean inter = state[p] == INTERDOMAIN;
            ports.add(new EventChannelSnapshot.Port(p, inter ? EventChannelSnapshot.Port.INTERDOMAIN : EventChannelSnapshot.Port.UNBOUND,
                    remoteDomain[p], inter ? remotePort[p] : 0, pending[p]));
        }
        return new EventChannelSnapshot(FORMAT.subsystem(), FORMAT.version(), domainId, ports);
    }

    /**
     * Phase one of an import: replaces every port with the snapshot's and drops the links to peer
     * tables; {@link #link(Collection)} restores them. Checks the whole snapshot before changing
     * anything.
     *
     * @param context unused
     * @throws StateTransferException INCOMPATIBLE for another domain's snapshot, MALFORMED for a port
     *                                out of range, listed twice or in an unknown state
     */
    @Override
    public ImportReport importState(Snapshot from, Void context) throws StateTransferException {
        EventChannelSnapshot s = FORMAT.read(from, EventChannelSnapshot.class);
        if (s.domain() != domainId) {
            throw new StateTransferException(StateTransferException.Code.INCOMPATIBLE,
                    "evtchn snapshot of domain " + s.domain() + " cannot be imported into the table of domain " + domainId);
        }
        Set<Integer> seen = new HashSet<>();
        for (EventChannelSnapshot.Port p : s.ports()) {
            String what = "evtchn snapshot of domain " + domainId + ": port " + p.port();
            if (!valid(p.port()) || !seen.add(p.port())) throw malformed(what + " is out of range or listed twice");
            if (p.remoteDomain() < 0) throw malformed(what + " names remote domain " + p.remoteDomain());
            boolean inter = EventChannelSnapshot.Port.INTERDOMAIN.equals(p.state());
            if (!inter && !EventChannelSnapshot.Port.UNBOUND.equals(p.state())) throw malformed(what + " has unknown state '" + p.state() + "'");
            if (inter && !valid(p.remotePort())) throw malformed(what + " names remote port " + p.remotePort());
        }
        synchronized (this) {
            Arrays.fill(state, FREE);
            Arrays.fill(remoteDomain, 0);
            Arrays.fill(remotePort, 0);
            Arrays.fill(pending, false);
            for (EventChannelSnapshot.Port p : s.ports()) {
                state[p.port()] = EventChannelSnapshot.Port.INTERDOMAIN.equals(p.state()) ? INTERDOMAIN : UNBOUND;
                remoteDomain[p.port()] = p.remoteDomain();
                remotePort[p.port()] = p.remotePort();
                pending[p.port()] = p.pending();
            }
            peersById = new EventChannelTable[0];
        }
        return new ImportReport(FORMAT.subsystem(), s.version(), FORMAT.version(), List.of());
    }

    /**
     * Phase two of an import: links every interdomain port of {@code tables} to its peer's table, found
     * by domain id among {@code tables}. A port whose peer table is not among them, or whose peer port
     * does not point back, goes back to unbound, offered to the remote domain, as if the peer had
     * closed it (Xen's close); each such port is reported.
     *
     * @return one line per port that could not be linked
     */
    public static List<String> link(Collection<EventChannelTable> tables) {
        Map<Integer, EventChannelTable> byId = new HashMap<>();
        for (EventChannelTable t : tables) byId.put(t.domainId, t);
        List<String> unlinked = new ArrayList<>();
        for (EventChannelTable t : tables) {
            synchronized (t) {
                for (int p = 1; p < MAX_PORTS; p++) {
                    if (t.state[p] != INTERDOMAIN) continue;
                    EventChannelTable peer = byId.get(t.remoteDomain[p]);
                    int rp = t.remotePort[p];
                    boolean pointsBack = peer != null && peer != t && peer.state[rp] == INTERDOMAIN
                            && peer.remoteDomain[rp] == t.domainId && peer.remotePort[rp] == p;
                    if (pointsBack) {
                        t.links(peer);
                    } else {
                        t.state[p] = UNBOUND;
                        t.remotePort[p] = 0;
                        unlinked.add("d" + t.domainId + " port " + p + ": peer d" + t.remoteDomain[p] + " port " + rp
                                + (peer == null ? " was not imported" : " does not point back") + "; the port is unbound again");
                    }
                }
            }
        }
        return unlinked;
    }

    private static StateTransferException malformed(String message) {
        return new StateTransferException(StateTransferException.Code.MALFORMED, message);
    }

    private boolean valid(int port) {
        return port > 0 && port < MAX_PORTS;
    }

    /** A port the guest named, after {@link #valid}: clamped without a branch (Spectre v1). */
    private static int slot(int port) {
        return Nospec.index(port, MAX_PORTS);
    }

    private int freePort() {
        for (int p = 1; p < MAX_PORTS; p++) if (state[p] == FREE) return p;
        return -1;
    }

    private synchronized void links(EventChannelTable other) {
        EventChannelTable[] peers = peersById;
        if (other.domainId >= peers.length) peers = Arrays.copyOf(peers, other.domainId + 1);
        else peers = peers.clone();
        peers[other.domainId] = other;
        peersById = peers;
    }

    private EventChannelTable peer(int id) {
        EventChannelTable[] peers = peersById;
        return id >= 0 && id < peers.length ? peers[Nospec.index(id, peers.length)] : null;
    }
}
