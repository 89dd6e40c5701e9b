package io.hotvisor.microcode;

/** The CPU vendor a microcode update is published for; the two formats Hotvisor reads. */
public enum Vendor {
    /** Intel: updates with the 48-byte header of Intel SDM vol. 3, section "Microcode Update". */
    INTEL,
    /** AMD: patch containers as Linux's {@code arch/x86/kernel/cpu/microcode/amd.c} reads them. */
    AMD
}
