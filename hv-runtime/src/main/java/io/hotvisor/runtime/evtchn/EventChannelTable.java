package io.hotvisor.runtime.evtchn;

import java.util.Arrays;

/**
 * One domain's event-channel ports, as Xen's {@code common/event_channel.c} keeps them: each port
 * is free, unbound (offered to one remote domain), or interdomain (connected to a remote port), and
 * carries a pending bit.
 *
 * <p>Ports are numbered from 1 upward; the lowest free port is allocated first. Port 0 is never
 * valid. Operations that touch two domains lock both tables in domain-id order, so two domains
 * binding to each other cannot deadlock.
 */
public final class EventChannelTable {
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
            if (!valid(port) || state[port] == FREE) return Status.INVALID_PORT;
            if (state[port] != INTERDOMAIN) return Status.INVALID_STATE; // unbound: nobody connected yet
            peer = peer(remoteDomain[port]);
            peerPort = remotePort[port];
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
        return valid(port) && pending[port];
    }

    /** Clears and returns the pending bit of a bound port. */
    public synchronized boolean consume(int port) {
        if (!valid(port)) return false;
        boolean was = pending[port];
        pending[port] = false;
        return was;
    }

    /** Whether {@code port} is open (unbound or interdomain). */
    public synchronized boolean isOpen(int port) {
        return valid(port) && state[port] != FREE;
    }

    /** Closes a port; an interdomain peer's end goes back to unbound, offered to this domain, as in Xen. */
    public Status close(int port) {
        EventChannelTable peer = null;
        int peerPort = 0;
        synchronized (this) {
            if (!valid(port) || state[port] == FREE) return Status.INVALID_PORT;
            if (state[port] == INTERDOMAIN) {
                peer = peer(remoteDomain[port]);
                peerPort = remotePort[port];
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

    private boolean valid(int port) {
        return port > 0 && port < MAX_PORTS;
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
        return id >= 0 && id < peers.length ? peers[id] : null;
    }
}
