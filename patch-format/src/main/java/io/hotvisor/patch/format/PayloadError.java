package io.hotvisor.patch.format;

/**
 * The stable error codes of the patch format. Each code is documented in
 * {@code patch-format/README.md} (a test keeps the two in step); codes are never renamed or reused,
 * so scripts may match on them.
 *
 * <p>{@link #payloadFault()} separates a payload that is refused (the payload is bad, unsigned or
 * untrusted) from a problem with the caller's own inputs (a key file, a trust directory, a path):
 * the CLI exits 1 for the first and 2 for the second.
 */
public enum PayloadError {
    /** The container is not a well-formed ZIP of the accepted kind. */
    BAD_ZIP(true),
    /** Two ZIP entries carry the same name. */
    DUPLICATE_ENTRY(true),
    /** An entry name could escape a directory or is not portable. */
    UNSAFE_ENTRY_NAME(true),
    /** An entry is present that the manifest does not name. */
    UNLISTED_ENTRY(true),
    /** An entry the manifest names (a class or a bundle jar), or {@code patch.json} itself, is absent. */
    MISSING_ENTRY(true),
    /** One entry is over its size cap. */
    ENTRY_TOO_LARGE(true),
    /** The whole payload (file size, entry count or total inflated size) is over its cap. */
    PAYLOAD_TOO_LARGE(true),
    /** A class entry's or bundle jar's bytes do not hash to the manifest's {@code new-sha256}. */
    DIGEST_MISMATCH(true),
    /** The manifest's {@code payload-build-id} is not the one computed from its content. */
    BUILD_ID_MISMATCH(true),
    /** The payload has no {@code patch.sig} entry. */
    SIGNATURE_MISSING(true),
    /** The signature does not verify over the canonical digest with the named key. */
    SIGNATURE_INVALID(true),
    /** The signing key is not in the trust directory. */
    UNTRUSTED_KEY(true),
    /** {@code patch.json} is not valid JSON, has unknown fields, wrong types or invalid values. */
    BAD_MANIFEST(true),
    /** The manifest's format version has a major version this reader does not support. */
    UNSUPPORTED_VERSION(true),
    /**
     * The manifest's {@code kind} (payload or class) is one this reader does not know, or one the
     * manifest's declared format version does not define.
     */
    UNSUPPORTED_KIND(true),
    /** A class entry's bytes, or a {@code .class} entry of a bundle jar, do not parse as a class file. */
    BAD_CLASS_FILE(true),
    /** A class file declares a different class than its entry and manifest name (or its path in a jar). */
    CLASS_NAME_MISMATCH(true),
    /**
     * A bundle jar is not a readable ZIP, has no {@code META-INF/MANIFEST.MF}, or its manifest's
     * {@code Bundle-SymbolicName} or {@code Bundle-Version} is not the bundle entry's.
     */
    BAD_BUNDLE(true),
    /** A key file cannot be read as an Ed25519 key in the expected PEM form. */
    BAD_KEY(false),
    /** A trust directory is missing, empty, or holds two keys with the same key id. */
    BAD_TRUST_STORE(false),
    /** A file could not be read or written. */
    IO_ERROR(false);

    private final boolean payloadFault;

    PayloadError(boolean payloadFault) {
        this.payloadFault = payloadFault;
    }

    /**
     * Whether this code means the payload itself was refused, rather than the caller's own inputs
     * (keys, trust directory, paths) being unusable.
     */
    public boolean payloadFault() {
        return payloadFault;
    }
}
