package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;

/**
 * A guest basic block compiled to JVM bytecode by {@link BlockTranslator}: implemented only by
 * hidden classes, one per block.
 */
interface CompiledBlock {
    /**
     * Executes every instruction of the block and returns the guest pc that follows it.
     *
     * <p>On a memory fault the registers hold the state before the faulting instruction, its index
     * in the block is in {@link BlockRunner#faultIndex}, and the {@code GuestMemoryFault} propagates.
     */
    long exec(long[] x, GuestMemory mem, BlockRunner runner);
}
