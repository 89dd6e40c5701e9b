package io.hotvisor.patch.format.sign;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.hotvisor.patch.format.Sha256;

import java.security.PublicKey;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The id of a signing key: {@code ed25519:} followed by the first 16 lowercase hex digits (8
 * bytes) of the SHA-256 of the public key's X.509 {@code SubjectPublicKeyInfo} encoding
 * ({@link PublicKey#getEncoded()}). This short form is what manifests record and what the CLI shows;
 * a trust directory refuses to hold two keys whose ids collide.
 *
 * @param text the {@code ed25519:<16 hex>} form
 */
public record KeyId(@JsonValue String text) {
    private static final String PREFIX = "ed25519:";
    private static final Pattern FORM = Pattern.compile("ed25519:[0-9a-f]{16}");

    /**
     * @throws IllegalArgumentException if {@code text} is not {@code ed25519:} and 16 lowercase hex digits
     */
    public KeyId {
        Objects.requireNonNull(text, "text");
        if (!FORM.matcher(text).matches()) {
            throw new IllegalArgumentException("not a key id (ed25519:<16 lowercase hex digits>): '"
                    + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'");
        }
    }

    /** Parses the {@code ed25519:<16 hex>} form; also the JSON form. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static KeyId parse(String text) {
        return new KeyId(text);
    }

    /** The key id of an Ed25519 public key. */
    public static KeyId of(PublicKey key) {
        return new KeyId(PREFIX + Sha256.of(key.getEncoded()).hex().substring(0, 16));
    }

    @Override
    public String toString() {
        return text;
    }
}
