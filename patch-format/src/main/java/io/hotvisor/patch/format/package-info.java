/**
 * The vocabulary of a Hotvisor live-patch payload that every other room shares: the
 * {@link io.hotvisor.patch.format.BuildId build-id} of a host or a payload, the
 * {@link io.hotvisor.patch.format.Sha256} digests a manifest records, the length-prefixed
 * {@link io.hotvisor.patch.format.CanonicalHash encoding} those digests are computed over, and the one
 * exception type, {@link io.hotvisor.patch.format.PayloadException}, with its stable
 * {@link io.hotvisor.patch.format.PayloadError error codes}.
 *
 * <p>The sub-packages hold the rest: {@code manifest} (the {@code patch.json} model and its strict
 * codec), {@code sign} (Ed25519 keys, PEM files, trust directories), {@code payload} (the
 * deterministic writer and the strict reader/verifier of the {@code .hvp} container) and {@code cli}
 * (the {@code hvpatch} command). {@code patch-format/README.md} is the specification; the tests
 * check the code against it.
 */
package io.hotvisor.patch.format;
