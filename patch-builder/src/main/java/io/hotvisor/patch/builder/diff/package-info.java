/**
 * The bytecode diff: which classes changed in a way that matters, and whether a running JVM can
 * take the change. Classes are compared in a normalised form (no line numbers, local variable
 * tables, source file or stack map frames), after javac's numbered synthetic members are
 * correlated by content (lambda bodies {@code lambda$m$N}, {@code access$N}) and switch-map classes
 * by the enums they map, so renumbering alone is never a change.
 */
package io.hotvisor.patch.builder.diff;
