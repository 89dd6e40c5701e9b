/**
 * The health watch: for a window after an apply, checks run periodically, and the first failure
 * has the payload reverted automatically, journaled and reported with its reason. Built-in checks
 * for what the agent can see without OSGi: uncaught exceptions in hypervisor threads, counters
 * that must keep moving (pCPU and guest progress) and counters that must not (subsystem errors).
 */
package io.hotvisor.patch.applier.health;
