package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.ManifestCodec;
import io.hotvisor.patch.format.sign.Ed25519;
import io.hotvisor.patch.format.sign.TrustStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The strict reader and verifier of payloads. Everything happens in memory: nothing of a payload
 * is written to disk, and nothing is trusted before the check that covers it has passed.
 *
 * <p>The checks run in this order, and the first failure is thrown (README, "Verification"):
 * <ol>
 *   <li>file size cap ({@code PAYLOAD_TOO_LARGE});</li>
 *   <li>ZIP structure, entry names, duplicates and size caps, then bounded inflation
 *       ({@code BAD_ZIP}, {@code UNSAFE_ENTRY_NAME}, {@code DUPLICATE_ENTRY}, {@code ENTRY_TOO_LARGE},
 *       {@code PAYLOAD_TOO_LARGE});</li>
 *   <li>{@code patch.json} present and valid ({@code MISSING_ENTRY}, {@code BAD_MANIFEST},
 *       {@code UNSUPPORTED_VERSION}, {@code UNSUPPORTED_KIND});</li>
 *   <li>entries exactly those the manifest names ({@code UNLISTED_ENTRY}, {@code MISSING_ENTRY});</li>
 *   <li>each class's and bundle jar's SHA-256 ({@code DIGEST_MISMATCH}) and the payload build-id
 *       ({@code BUILD_ID_MISMATCH});</li>
 *   <li>{@code patch.sig} present and 64 bytes ({@code SIGNATURE_MISSING}, {@code SIGNATURE_INVALID});
 *       when verifying: key trusted ({@code UNTRUSTED_KEY}) and signature valid over the canonical
 *       digest ({@code SIGNATURE_INVALID});</li>
 *   <li>class files parse and declare their entry's class ({@code BAD_CLASS_FILE},
 *       {@code CLASS_NAME_MISMATCH}); bundle jars are bounded ZIPs whose {@code META-INF/MANIFEST.MF}
 *       names the entry's bundle and version and whose class files declare the classes their paths
 *       name ({@code BAD_BUNDLE}, {@code BAD_CLASS_FILE}, {@code CLASS_NAME_MISMATCH},
 *       {@code ENTRY_TOO_LARGE}, {@code PAYLOAD_TOO_LARGE}).</li>
 * </ol>
 * No other exception escapes for any input bytes. Immutable and thread-safe.
 */
public final class PayloadReader {
    private final PayloadLimits limits;

    /** A reader with {@link PayloadLimits#DEFAULT}. */
    public PayloadReader() {
        this(PayloadLimits.DEFAULT);
    }

    /** A reader with the given caps. */
    public PayloadReader(PayloadLimits limits) {
        this.limits = limits;
    }

    /**
     * Reads and fully verifies a payload: every check, including that it is signed by a key in
     * {@code trust} and that the signature is valid.
     *
     * @throws PayloadException with the code of the first check that fails
     */
    public Payload verify(byte[] bytes, TrustStore trust) throws PayloadException {
        return read(bytes, trust);
    }

    /**
     * Reads a payload file and fully verifies it; see {@link #verify(byte[], TrustStore)}.
     *
     * @throws PayloadException as {@link #verify(byte[], TrustStore)}, or {@code IO_ERROR}
     */
    public Payload verify(Path file, TrustStore trust) throws PayloadException {
        return read(readFile(file), trust);
    }

    /**
     * Reads a payload with every check except the signature's key and validity (the signature must
     * still be present and well-formed), for showing a payload to someone who has no trust
     * directory at hand. The result says {@link Payload#signatureVerified() not verified}.
     *
     * @throws PayloadException with the code of the first check that fails
     */
    public Payload inspect(byte[] bytes) throws PayloadException {
        return read(bytes, null);
    }

    /**
     * Reads a payload file for inspection; see {@link #inspect(byte[])}.
     *
     * @throws PayloadException as {@link #inspect(byte[])}, or {@code IO_ERROR}
     */
    public Payload inspect(Path file) throws PayloadException {
        return read(readFile(file), null);
    }

    private Payload read(byte[] bytes, TrustStore trust) throws PayloadException {
        if (bytes.length > limits.maxPayloadBytes()) {
            throw tooLarge(bytes.length);
        }
        Map<String, byte[]> entries = new HashMap<>();
        for (ZipItem item : ZipReader.read(bytes, limits)) {
            entries.put(item.name(), item.bytes());
        }
        byte[] manifestBytes = entries.get(PayloadLayout.MANIFEST);
        if (manifestBytes == null) {
            throw new PayloadException(PayloadError.MISSING_ENTRY, "the payload has no " + PayloadLayout.MANIFEST
                    + " manifest; it was not written by hvpatch");
        }
        Manifest manifest = ManifestCodec.read(manifestBytes);
        checkEntriesMatchManifest(entries, manifest);
        Map<String, byte[]> classBytes = new HashMap<>();
        for (ClassEntry entry : manifest.classes()) {
            classBytes.put(entry.entryName(), checkDigest(entries, entry.entryName(), entry.newSha256()));
        }
        Map<String, byte[]> bundleBytes = new HashMap<>();
        for (BundleEntry entry : manifest.bundles()) {
            bundleBytes.put(entry.entryName(), checkDigest(entries, entry.entryName(), entry.newSha256()));
        }
        BuildId computed = manifest.computePayloadBuildId();
        if (!computed.equals(manifest.payloadBuildId())) {
            throw new PayloadException(PayloadError.BUILD_ID_MISMATCH, "the manifest's payload-build-id "
                    + manifest.payloadBuildId() + " is not the one its content gives (" + computed
                    + "); the payload was altered after it was built, do not use it");
        }
        Sha256 digest = PayloadDigest.compute(entries);
        checkSignature(entries.get(PayloadLayout.SIGNATURE), digest, manifest, trust);
        for (ClassEntry entry : manifest.classes()) {
            ClassFileCheck.check(entry, classBytes.get(entry.entryName()));
        }
        BundleJarCheck.checkAll(manifest, entries, limits);
        return new Payload(manifest, classBytes, bundleBytes, digest, trust != null);
    }

    private static byte[] checkDigest(Map<String, byte[]> entries, String name, Sha256 expected)
            throws PayloadException {
        byte[] content = entries.get(name);
        Sha256 actual = Sha256.of(content);
        if (!actual.equals(expected)) {
            throw new PayloadException(PayloadError.DIGEST_MISMATCH, "entry '" + name + "' has SHA-256 " + actual
                    + " but the manifest says " + expected + "; the payload was altered after it was built, do not use it");
        }
        return content;
    }

    private static void checkEntriesMatchManifest(Map<String, byte[]> entries, Manifest manifest)
            throws PayloadException {
        Set<String> listed = new HashSet<>();
        manifest.classes().forEach(c -> listed.add(c.entryName()));
        manifest.bundles().forEach(b -> listed.add(b.entryName()));
        Set<String> unlisted = new HashSet<>(entries.keySet());
        unlisted.removeAll(listed);
        unlisted.removeAll(List.of(PayloadLayout.MANIFEST, PayloadLayout.SIGNATURE));
        if (!unlisted.isEmpty()) {
            String first = unlisted.stream().sorted(PayloadLayout.NAME_ORDER).findFirst().orElseThrow();
            throw new PayloadException(PayloadError.UNLISTED_ENTRY, "entry '" + EntryNames.printable(first)
                    + "' is not named by the manifest" + (unlisted.size() > 1 ? " (nor are " + (unlisted.size() - 1)
                    + " more)" : "") + "; a payload carries only what its manifest lists");
        }
        for (String name : listed.stream().sorted(PayloadLayout.NAME_ORDER).toList()) {
            if (!entries.containsKey(name)) {
                throw new PayloadException(PayloadError.MISSING_ENTRY, "the manifest names entry '" + name
                        + "' but the payload does not contain it");
            }
        }
    }

    private static void checkSignature(byte[] signature, Sha256 digest, Manifest manifest, TrustStore trust)
            throws PayloadException {
        if (signature == null) {
            throw new PayloadException(PayloadError.SIGNATURE_MISSING, "payload " + manifest.name() + " has no "
                    + PayloadLayout.SIGNATURE + "; unsigned payloads are never loaded, sign it with hvpatch");
        }
        if (signature.length != Ed25519.SIGNATURE_LENGTH) {
            throw new PayloadException(PayloadError.SIGNATURE_INVALID, PayloadLayout.SIGNATURE + " is "
                    + signature.length + " bytes, not a " + Ed25519.SIGNATURE_LENGTH + "-byte Ed25519 signature");
        }
        if (trust == null) {
            return;
        }
        PublicKey key = trust.find(manifest.signingKey()).orElseThrow(() -> new PayloadException(
                PayloadError.UNTRUSTED_KEY, "payload " + manifest.name() + " is signed by key "
                + manifest.signingKey() + ", which is not in " + trust.source() + " (trusted: "
                + trust.keyIds().stream().map(Object::toString).collect(Collectors.joining(", "))
                + "); add the signer's .pub file there only if you trust it"));
        if (!Ed25519.verify(key, digest.bytes(), signature)) {
            throw new PayloadException(PayloadError.SIGNATURE_INVALID, "the signature of payload " + manifest.name()
                    + " does not verify with key " + manifest.signingKey()
                    + "; the payload was altered or signed by another key, do not use it");
        }
    }

    private byte[] readFile(Path file) throws PayloadException {
        try (InputStream in = Files.newInputStream(file)) {
            // Read at most one byte past the cap: a huge file is refused without being read whole.
            byte[] bytes = in.readNBytes((int) limits.maxPayloadBytes() + 1);
            if (bytes.length > limits.maxPayloadBytes()) {
                throw tooLarge(Files.size(file));
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new PayloadException(PayloadError.IO_ERROR, "payload file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new PayloadException(PayloadError.IO_ERROR, "cannot read payload file " + file + ": "
                    + e.getMessage(), e);
        }
    }

    private PayloadException tooLarge(long size) {
        return new PayloadException(PayloadError.PAYLOAD_TOO_LARGE, "the payload is " + size
                + " bytes, over the cap of " + limits.maxPayloadBytes() + " bytes");
    }
}
