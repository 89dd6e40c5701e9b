/**
 * CPU microcode as Hotvisor's physical CPUs take it: the vendor-neutral room of the
 * microcode-late-load module.
 *
 * <p>This package holds what both vendors share: the identity of a CPU ({@link
 * io.hotvisor.microcode.CpuIdentity}, {@link io.hotvisor.microcode.CpuSignature}), the contract of
 * one loadable update ({@link io.hotvisor.microcode.MicrocodeUpdate}), reading files and
 * directories of either vendor ({@link io.hotvisor.microcode.MicrocodeFiles}), choosing the update
 * a CPU should load ({@link io.hotvisor.microcode.MicrocodeSelector}, Xen 4.13's and Linux's rule:
 * the highest matching revision strictly newer than the running one), and the {@code --list}
 * output ({@link io.hotvisor.microcode.MicrocodeListing}, byte-for-byte {@code iucode_tool -L} for
 * Intel). The binary formats themselves live in {@code io.hotvisor.microcode.intel} and
 * {@code io.hotvisor.microcode.amd}.
 *
 * <p>Everything here is a pure library: no CPU is touched, nothing is loaded. The late-load
 * rendezvous that applies a selected update belongs to the host, which calls this package.
 * Every malformed input ends in one {@link io.hotvisor.microcode.MicrocodeFormatException} with a
 * stable {@link io.hotvisor.microcode.MicrocodeFormatException.Code}.
 */
package io.hotvisor.microcode;
