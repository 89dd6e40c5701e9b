/**
 * The credit2-style scheduler with Xen 4.13's core scheduling: {@link io.hotvisor.runtime.sched.credit2.Credit2},
 * its state snapshot and its factory. Inside the host this package is a bundle of its own that no
 * other bundle imports, so it can be replaced while the host runs, carrying the run queues, credits
 * and per-vCPU accounting across ({@link io.hotvisor.runtime.sched.credit2.Credit2Snapshot}).
 */
package io.hotvisor.runtime.sched.credit2;
