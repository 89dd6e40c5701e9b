/**
 * The RISC-V architecture: instruction decoding (RV64IMAC, Zicsr, Zifencei), the hart interpreter,
 * supervisor CSRs, traps and interrupts.
 */
package io.hotvisor.runtime.arch.riscv;
