/**
 * Linux's late-load policy for microcode, as a table of named rules ({@link
 * io.hotvisor.microcode.policy.Rule}): the checks Linux makes on an update it has selected before
 * it stops the machine (the Intel BDF90 blacklist, Intel's minimum revision, AMD's SHA-256
 * digests, {@link io.hotvisor.microcode.policy.LatePolicy}), and the {@link
 * io.hotvisor.microcode.policy.Decision} each rule records. The loader in {@code
 * io.hotvisor.microcode.load} applies them; the module README's rule table describes each.
 */
package io.hotvisor.microcode.policy;
