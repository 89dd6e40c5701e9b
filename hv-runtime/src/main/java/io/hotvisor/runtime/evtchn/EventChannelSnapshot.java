package io.hotvisor.runtime.evtchn;

import io.hotvisor.runtime.state.Snapshot;

import java.util.List;

/**
 * One domain's event channels as plain data: its open ports in ascending order. Free ports are left
 * out. Version 1.
 *
 * <pre>{"subsystem":"evtchn","version":1,"domain":2,
 *  "ports":[{"port":1,"state":"interdomain","remoteDomain":1,"remotePort":3,"pending":true}]}</pre>
 *
 * @param domain the domain id the table belongs to; an import into another domain's table is refused
 */
public record EventChannelSnapshot(String subsystem, int version, int domain, List<Port> ports) implements Snapshot {
    public EventChannelSnapshot {
        ports = List.copyOf(ports);
    }

    /**
     * An open port.
     *
     * @param state        {@code "unbound"} (offered to {@code remoteDomain}) or {@code "interdomain"}
     * @param remotePort   the peer's port when interdomain, 0 when unbound
     */
    public record Port(int port, String state, int remoteDomain, int remotePort, boolean pending) {
        public static final String UNBOUND = "unbound", INTERDOMAIN = "interdomain";
    }
}
