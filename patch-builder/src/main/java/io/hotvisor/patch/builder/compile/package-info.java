/**
 * Compiling a module's sources the way the target host's build did: in-process {@code javax.tools}
 * with the build-info's release and flags, against the dependency jars the build-info names
 * (found in the local Maven repository by file name and checked by SHA-256) and the reactor
 * siblings compiled from the same revision; results cached per module tree.
 */
package io.hotvisor.patch.builder.compile;
