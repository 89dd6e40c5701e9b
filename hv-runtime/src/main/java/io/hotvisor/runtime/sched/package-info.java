/**
 * Scheduling: the {@link io.hotvisor.runtime.sched.Scheduler} operations, the credit2-style
 * implementation with Xen 4.13's core scheduling, the pCPU threads and the host topology.
 */
package io.hotvisor.runtime.sched;
