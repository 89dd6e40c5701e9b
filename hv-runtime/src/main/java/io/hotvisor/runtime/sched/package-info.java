/**
 * Scheduling: the {@link io.hotvisor.runtime.sched.Scheduler} operations, the credit2-style
 * implementation with Xen 4.13's core scheduling, the pCPU threads and the host topology.
 *
 * <p>{@link io.hotvisor.runtime.sched.Credit2} implements the state transfer contract of
 * {@link io.hotvisor.runtime.state}: its {@link io.hotvisor.runtime.sched.Credit2Snapshot} carries the
 * run queues (units in order, credits, last-run sequences), the queue and pCPU counters and per-vCPU
 * accounting, so a new scheduler version takes over without any vCPU losing its place.
 */
package io.hotvisor.runtime.sched;
