/**
 * The whole host as the builder sees it: every module of the target build-info compiled at a
 * revision ({@link io.hotvisor.patch.builder.host.HostCompiler}, {@link io.hotvisor.patch.builder.host.HostBuild}),
 * which bundle a class belongs to ({@link io.hotvisor.patch.builder.host.HostScope}), the
 * classification of a change over all of it ({@link io.hotvisor.patch.builder.host.ChangePlan}), and
 * the proof that the build-info is the build it names ({@link io.hotvisor.patch.builder.host.TargetIntegrity}).
 */
package io.hotvisor.patch.builder.host;
