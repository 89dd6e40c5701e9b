/**
 * Late microcode loading: Hotvisor's simulated physical CPUs and the loader that updates them
 * while every pCPU is parked, as Xen 4.13's {@code arch/x86/microcode.c} and Linux's late loader do.
 *
 * <pre>
 *   file bytes ──MicrocodeFiles.parse──► updates ──MicrocodeSelector (per core)──► refuse / choose
 *                                                                                    │
 *   StopMachine.runPerCore ◄─────────────────────────────────────────────────────────┘
 *     core 0, thread 0: WRMSR 0x79 (AMD 0xC0010020) ─► RDMSR 0x8B == update revision?   siblings wait,
 *     core 1, thread 0: ...                                                              then read 0x8B
 *   resume ─► result lines per core, the pause guests saw ─► features re-read (RevisionEffects)
 * </pre>
 *
 * <p>{@link io.hotvisor.microcode.load.SimulatedCpus} holds every pCPU's identity and the simulated
 * MSRs ({@link io.hotvisor.microcode.load.Msr}); the microcode revision is per core, so the
 * threads of a core always read the same one. {@link io.hotvisor.microcode.load.RevisionEffects}
 * is a <em>simulated</em> table of what a revision changes (feature bits); it is not Intel's or
 * AMD's data. {@link io.hotvisor.microcode.load.LateLoader} does the work; it reaches the pCPUs only
 * through the host's {@link io.hotvisor.stopmachine.StopMachine} (hv-runtime's rendezvous in a
 * host, a fake in unit tests). Nothing here depends on OSGi or on hv-runtime; the microcode bundle
 * wires it up.
 */
package io.hotvisor.microcode.load;
