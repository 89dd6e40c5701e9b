/**
 * Ed25519 signing with the JDK's own provider: {@link io.hotvisor.patch.format.sign.SigningKey key
 * pairs}, their {@link io.hotvisor.patch.format.sign.KeyId key ids} ({@code ed25519:<16 hex>}),
 * {@link io.hotvisor.patch.format.sign.KeyFiles PEM files} (PKCS#8 private, X.509 public) and the
 * {@link io.hotvisor.patch.format.sign.TrustStore trust directory} of {@code *.pub} files that decides
 * which keys a host accepts. What is signed (the canonical payload digest) is defined by the
 * {@code payload} package and the README; this package only signs and verifies messages.
 */
package io.hotvisor.patch.format.sign;
