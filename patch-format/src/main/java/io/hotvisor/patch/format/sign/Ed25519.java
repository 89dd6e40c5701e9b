package io.hotvisor.patch.format.sign;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;

/**
 * Ed25519 (RFC 8032) through the JDK's own {@code SunEC} provider, which every JDK 15+ has.
 * Ed25519 signatures are deterministic: the same key and message always give the same 64 bytes,
 * which keeps signed payloads reproducible. Thread-safe.
 */
public final class Ed25519 {
    /** The JCA algorithm name. */
    public static final String ALGORITHM = "Ed25519";
    /** Length of a signature in bytes. */
    public static final int SIGNATURE_LENGTH = 64;

    private Ed25519() {
    }

    /** Generates a new key pair from the JDK's default secure random source. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw missing(e);
        }
    }

    /** Signs {@code message}; returns the 64-byte signature. */
    public static byte[] sign(PrivateKey key, byte[] message) {
        try {
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(key);
            signature.update(message);
            return signature.sign();
        } catch (NoSuchAlgorithmException e) {
            throw missing(e);
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + key.getAlgorithm(), e);
        } catch (SignatureException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /**
     * Whether {@code signature} is a valid Ed25519 signature of {@code message} by {@code key}.
     * Malformed signatures and non-Ed25519 keys give {@code false}, never an exception.
     */
    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        if (signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (NoSuchAlgorithmException e) {
            throw missing(e);
        } catch (InvalidKeyException | SignatureException | RuntimeException e) {
            // SunEC reports some malformed signatures (a non-canonical S) as exceptions; to the
            // caller they are all simply "does not verify".
            return false;
        }
    }

    static KeyFactory keyFactory() {
        try {
            return KeyFactory.getInstance(ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw missing(e);
        }
    }

    private static IllegalStateException missing(GeneralSecurityException e) {
        return new IllegalStateException("this JDK has no Ed25519 provider (JDK 15 or later is required)", e);
    }
}
