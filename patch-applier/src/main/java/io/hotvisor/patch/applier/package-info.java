/**
 * The live-patch applier: {@link io.hotvisor.patch.applier.LivepatchAgent} holds the payload table
 * and Xen's livepatch state machine (upload, apply, revert, replace, unload) and applies payloads by
 * quiesce-apply-resume. The host plugs in through constructor seams: {@link
 * io.hotvisor.patch.applier.ClassRedefiner} (Instrumentation), {@link
 * io.hotvisor.patch.applier.ClassLocator} (bundles), {@link io.hotvisor.patch.applier.Quiescer}
 * (the rendezvous) and {@link io.hotvisor.patch.applier.RunningBytes} (class files at boot).
 *
 * <pre>
 *  pre-apply hook ─► rendezvous: activeness ─► define new ─► ONE redefine batch ─► apply hook ─► check ─► resume ─► post-apply hook ─► health watch
 *                                      any failure after the batch: the saved bytes, one batch, same window ┘
 * </pre>
 *
 * Sub-packages: {@code activeness} (changed methods, stack scan), {@code journal} (the on-disk
 * journal and its replay), {@code health} (the watch after an apply and its built-in checks).
 */
package io.hotvisor.patch.applier;
