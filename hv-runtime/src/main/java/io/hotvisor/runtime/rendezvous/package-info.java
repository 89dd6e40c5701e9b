/**
 * The rendezvous (stop-machine) primitive: every pCPU parked at a safe point within a deadline,
 * an action run, all released. Live patching and late microcode loading go through it.
 */
package io.hotvisor.runtime.rendezvous;
