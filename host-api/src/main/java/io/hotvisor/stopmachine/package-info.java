/**
 * The stop-machine contract shared by the host (which implements it with its rendezvous of pCPUs)
 * and the subsystems that change the host while guests run (live patching, late microcode).
 */
package io.hotvisor.stopmachine;
