/**
 * AMD microcode: patch containers as Debian's {@code amd64-microcode} ships them, checked as
 * Linux's {@code arch/x86/kernel/cpu/microcode/amd.c} checks them.
 *
 * <pre>
 *  container:  u32 magic 0x00414d44 ("DMA\0")
 *              section type 0, u32 size, equivalence table: size / 16 entries of
 *                {u32 installed_cpu, u32 fixed_errata_mask, u32 fixed_errata_compare,
 *                 u16 equiv_cpu, u16 reserved}, ending with an all-zero entry
 *              section type 1, u32 size, patch (64-byte header, then code)   ... repeated
 *  (a further container may follow, starting with the magic again)
 * </pre>
 *
 * <p>{@link io.hotvisor.microcode.amd.AmdContainerParser} reads containers into {@link
 * io.hotvisor.microcode.amd.AmdContainer}s holding an {@link
 * io.hotvisor.microcode.amd.AmdEquivalenceTable} and {@link io.hotvisor.microcode.amd.AmdPatch}es.
 * A patch matches a CPU through the equivalence id before Zen, and through the CPUID its patch id
 * encodes from family 0x17 on.
 */
package io.hotvisor.microcode.amd;
