package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;

/**
 * A {@link Region} of guest code compiled to JVM bytecode by {@link BlockTranslator}: implemented
 * only by hidden classes, one per region.
 */
interface CompiledBlock {
    /**
     * Executes the region from its head block, within {@link BlockRunner#budget} instructions
     * (which must cover the head), and returns the guest pc where it left; the instructions it
     * retired are in {@link BlockRunner#retired}.
     *
     * <p>On a memory fault the registers hold the state before the faulting instruction,
     * {@link BlockRunner#faultPc} its pc, {@link BlockRunner#retired} the instructions retired
     * before it, and the {@code GuestMemoryFault} propagates.
     */
    long exec(long[] x, GuestMemory mem, BlockRunner runner);
}
