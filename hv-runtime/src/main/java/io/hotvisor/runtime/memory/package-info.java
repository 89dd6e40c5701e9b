/**
 * Guest-physical memory: each domain's bounded RAM, its checked accessors and atomics, and the
 * page table of decoded instructions that stores invalidate.
 */
package io.hotvisor.runtime.memory;
