/**
 * Reading revisions from git without touching the user's working tree: blobs are read from the
 * object database, and a {@code .diff} is applied to an in-memory copy of the base tree (JGit's
 * {@code PatchApplier} over an {@code InMemoryRepository}), so the user's repository is only read.
 */
package io.hotvisor.patch.builder.source;
