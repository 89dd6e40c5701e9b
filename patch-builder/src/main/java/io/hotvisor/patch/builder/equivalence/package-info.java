/**
 * What the builder checks about a planned payload against the whole host
 * ({@link io.hotvisor.patch.builder.equivalence.HostReview}): that the host after the payload runs
 * the head build class by class ({@link io.hotvisor.patch.builder.equivalence.EquivalenceCheck} over
 * {@link io.hotvisor.patch.builder.equivalence.ClassShape}s), which changed constants were copied
 * into which classes ({@link io.hotvisor.patch.builder.equivalence.InlinedConstants}), and which
 * changed code has already run for good ({@link io.hotvisor.patch.builder.equivalence.BootOnlyCode}).
 */
package io.hotvisor.patch.builder.equivalence;
