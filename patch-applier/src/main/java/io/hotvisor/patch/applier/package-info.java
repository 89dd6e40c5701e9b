/**
 * The live-patch applier: Xen's livepatch state machine (upload, apply, revert, replace, unload)
 * for the JVM, behind the {@link io.hotvisor.patch.applier.LivepatchAgent} facade.
 *
 * <pre>
 *  LivepatchAgent ── permit + journal ──► ActionJournal
 *     │ upload: UploadCheck ──► PayloadTable (the only place a payload's state changes)
 *     │ apply / revert / replace: Planner ──► Action (RedefinitionAction | BundleUpdateAction)
 *     │                                        └─► Window: stop-machine, activeness, define, ONE batch, hooks, check
 *     │ boot: Recovery (journal replay)           any failure after the batch: saved bytes, same window
 *     └ health: AutoRevert (watch after apply, automatic revert)
 * </pre>
 *
 * <p>The host plugs in through constructor seams: {@link io.hotvisor.patch.applier.ClassRedefiner}
 * (Instrumentation), {@link io.hotvisor.patch.applier.ClassLocator} (bundles), the host's
 * {@link io.hotvisor.stopmachine.StopMachine} (its rendezvous) and
 * {@link io.hotvisor.patch.applier.RunningBytes} (class files at boot).
 *
 * <p>Sub-packages: {@code activeness} (changed methods, stack scan), {@code journal} (the on-disk
 * journal and its replay), {@code health} (the watch after an apply, the automatic revert and the
 * built-in checks).
 */
package io.hotvisor.patch.applier;
