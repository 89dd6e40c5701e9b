package io.hotvisor.patch.format;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A SHA-256 digest, written as 64 lowercase hexadecimal digits (the form used in manifests and
 * on the command line).
 *
 * @param hex the 64 lowercase hex digits
 */
public record Sha256(@JsonValue String hex) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    /**
     * @throws IllegalArgumentException if {@code hex} is not 64 lowercase hex digits
     */
    public Sha256 {
        Objects.requireNonNull(hex, "hex");
        if (!HEX64.matcher(hex).matches()) {
            throw new IllegalArgumentException("not a SHA-256 digest (64 lowercase hex digits): '"
                    + abbreviate(hex) + "'");
        }
    }

    /**
     * Parses the 64-hex-digit form; also the JSON form.
     *
     * @throws IllegalArgumentException if {@code hex} is not 64 lowercase hex digits
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Sha256 parse(String hex) {
        return new Sha256(hex);
    }

    /** The SHA-256 of {@code bytes}. */
    public static Sha256 of(byte[] bytes) {
        return new Sha256(HexFormat.of().formatHex(newDigest().digest(bytes)));
    }

    /** Whether {@code text} is 64 lowercase hex digits. */
    public static boolean isValid(String text) {
        return text != null && HEX64.matcher(text).matches();
    }

    /** The 32 raw digest bytes. */
    public byte[] bytes() {
        return HexFormat.of().parseHex(hex);
    }

    /** A fresh SHA-256 {@link MessageDigest}; every JDK must provide one. */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return hex;
    }

    static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
