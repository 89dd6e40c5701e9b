package io.hotvisor.patch.format;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The length-prefixed encoding that build-ids and the payload digest are SHA-256 hashes of
 * (README, "Canonical encoding"). Every value is written with its length in front, so no two
 * different sequences of values encode to the same bytes:
 * <ul>
 *   <li>{@code tag}: the ASCII bytes of a domain tag followed by one {@code 0x00} byte, so a
 *       build-id can never be mistaken for a digest of another kind;</li>
 *   <li>{@code u32}: four bytes, big-endian, unsigned;</li>
 *   <li>{@code str}: {@code u32} byte length of the UTF-8 encoding, then those bytes;</li>
 *   <li>{@code bytes}: {@code u32} length, then the raw bytes.</li>
 * </ul>
 * Not thread-safe; use one instance per hash.
 */
public final class CanonicalHash {
    private final MessageDigest digest = Sha256.newDigest();

    /** Starts a hash with the given domain tag (ASCII, no {@code 0x00}). */
    public CanonicalHash(String tag) {
        digest.update(tag.getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) 0);
    }

    /** Appends a {@code u32}. */
    public CanonicalHash u32(long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("u32 out of range: " + value);
        }
        digest.update((byte) (value >>> 24));
        digest.update((byte) (value >>> 16));
        digest.update((byte) (value >>> 8));
        digest.update((byte) value);
        return this;
    }

    /** Appends a {@code str}. */
    public CanonicalHash str(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends a {@code bytes}. */
    public CanonicalHash bytes(byte[] value) {
        u32(value.length);
        digest.update(value);
        return this;
    }

    /** Finishes the hash; the instance must not be used afterwards. */
    public Sha256 finish() {
        return new Sha256(java.util.HexFormat.of().formatHex(digest.digest()));
    }
}
