/**
 * {@code hvpatch build}: the patch builder's command, added to patch-format's {@code hvpatch}
 * ({@link io.hotvisor.patch.builder.cli.HvpatchMain} is the launcher's main class).
 */
package io.hotvisor.patch.builder.cli;
