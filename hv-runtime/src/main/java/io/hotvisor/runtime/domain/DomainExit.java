package io.hotvisor.runtime.domain;

/**
 * How a domain ended.
 *
 * @param state     {@link DomainState#SHUTDOWN}, {@link DomainState#CRASHED} or {@link DomainState#DESTROYED}
 * @param sbiReason for a shutdown, the SBI SRST reset reason (0 no reason, 1 system failure); else -1
 * @param detail    a human-readable reason (the fault for a crash)
 */
public record DomainExit(DomainState state, long sbiReason, String detail) {
    /** SRST reason "no reason". */
    public static final long REASON_NONE = 0;
    /** SRST reason "system failure". */
    public static final long REASON_SYSTEM_FAILURE = 1;
}
