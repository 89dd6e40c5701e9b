/**
 * The manifest of a payload, {@code patch.json}: immutable records
 * ({@link io.hotvisor.patch.format.manifest.Manifest}, {@link io.hotvisor.patch.format.manifest.ClassEntry},
 * {@link io.hotvisor.patch.format.manifest.Hook}, {@link io.hotvisor.patch.format.manifest.BundleEntry},
 * {@link io.hotvisor.patch.format.manifest.Metadata}) whose JSON names are the ones in the README, and
 * {@link io.hotvisor.patch.format.manifest.ManifestCodec}, the strict codec that reads them (unknown
 * fields, wrong types, duplicate keys and invalid values refused with {@code BAD_MANIFEST}; newer major
 * versions with {@code UNSUPPORTED_VERSION}; unknown kinds, and kinds newer than the declared format
 * version, with {@code UNSUPPORTED_KIND}) and writes them in one canonical byte form.
 */
package io.hotvisor.patch.format.manifest;
