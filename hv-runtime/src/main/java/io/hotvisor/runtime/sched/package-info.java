/**
 * Scheduling as the host sees it: the {@link io.hotvisor.runtime.sched.Scheduler} operations, the
 * {@link io.hotvisor.runtime.sched.SchedulerFactory} an implementation provides, the host topology
 * and the schedule trace. The implementation, with the pCPU threads, is
 * {@link io.hotvisor.runtime.sched.credit2}; it implements the state transfer contract of
 * {@link io.hotvisor.runtime.state}, so a new scheduler version takes over without any vCPU losing
 * its place.
 */
package io.hotvisor.runtime.sched;
