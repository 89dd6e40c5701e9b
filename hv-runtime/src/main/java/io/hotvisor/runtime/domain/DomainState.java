package io.hotvisor.runtime.domain;

/** Life cycle of a domain, as {@code xl list} shows it. */
public enum DomainState {
    /** Runnable: its vCPUs are scheduled. */
    RUNNING,
    /** Paused by the operator: no vCPU of it runs until unpaused. */
    PAUSED,
    /** The guest shut itself down through SBI SRST. */
    SHUTDOWN,
    /** The guest took a fault it could not handle; the reason is logged. */
    CRASHED,
    /** Destroyed by the operator. */
    DESTROYED;

    /** True once the domain has ended and runs no more. */
    public boolean ended() {
        return this == SHUTDOWN || this == CRASHED || this == DESTROYED;
    }
}
