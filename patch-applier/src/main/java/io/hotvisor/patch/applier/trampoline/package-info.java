/**
 * Trampoline mode: patching a method by flipping a call site in its woven prologue instead of
 * redefining its class.
 *
 * <p>The rooms, in the order a patch meets them:
 * <ul>
 *   <li>{@link io.hotvisor.patch.applier.trampoline.Weaver} gives every method of a patchable class a
 *       prologue at load time (the host's weaving hook calls it) and keeps the unwoven bytes;</li>
 *   <li>{@link io.hotvisor.patch.applier.trampoline.Prologue} is what the woven bytecode calls: the
 *       {@code invokedynamic} bootstraps and the class-initialisation hand-off of the class's own
 *       full-privilege {@code Lookup};</li>
 *   <li>{@code WovenClasses} keeps, per woven class, that lookup and the two call sites of each
 *       method; only this package can read it;</li>
 *   <li>{@code NestmateBodies} turns a payload's new class bytes into the bytes of a hidden class
 *       holding the new bodies as static methods, or says per member why it cannot;</li>
 *   <li>{@link io.hotvisor.patch.applier.trampoline.Trampolines} defines those hidden classes (at
 *       upload, outside any pause) and hands out {@link io.hotvisor.patch.applier.trampoline.Flip}s:
 *       the call-site changes of one action, applied inside the rendezvous with one
 *       {@code MutableCallSite.syncAll}, and undone the same way;</li>
 *   <li>{@link io.hotvisor.patch.applier.trampoline.RewovenRedefiner} keeps the prologue when a woven
 *       class is redefined by the other mechanism.</li>
 * </ul>
 */
package io.hotvisor.patch.applier.trampoline;
