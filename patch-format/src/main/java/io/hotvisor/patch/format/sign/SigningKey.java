package io.hotvisor.patch.format.sign;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Objects;

/**
 * An Ed25519 key pair that signs payloads. Load one with {@link KeyFiles#readSigningKey}, make one
 * with {@link #generate()}.
 *
 * @param privateKey the private half (PKCS#8 on disk)
 * @param publicKey  the public half (X.509 on disk); what trust directories hold
 */
public record SigningKey(PrivateKey privateKey, PublicKey publicKey) {

    /** Rejects {@code null} halves. */
    public SigningKey {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(publicKey, "publicKey");
    }

    /** A new random key pair. */
    public static SigningKey generate() {
        KeyPair pair = Ed25519.generate();
        return new SigningKey(pair.getPrivate(), pair.getPublic());
    }

    /** The id of the public half. */
    public KeyId keyId() {
        return KeyId.of(publicKey);
    }

    /** Signs {@code message} with the private half. */
    public byte[] sign(byte[] message) {
        return Ed25519.sign(privateKey, message);
    }

    /** Omits the private key so it never lands in a log. */
    @Override
    public String toString() {
        return "SigningKey[" + keyId() + "]";
    }
}
