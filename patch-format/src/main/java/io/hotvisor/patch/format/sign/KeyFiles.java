package io.hotvisor.patch.format.sign;

import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;

/**
 * Ed25519 keys as PEM files (RFC 7468): the private key as PKCS#8 ({@code BEGIN PRIVATE KEY}, in
 * {@code NAME.key}, readable by its owner only), the public key as X.509 SubjectPublicKeyInfo
 * ({@code BEGIN PUBLIC KEY}, in {@code NAME.pub}). These are the forms {@code openssl genpkey
 * -algorithm ed25519} and {@code openssl pkey -pubout} use, so keys can be made or checked with
 * OpenSSL too. Stateless and thread-safe.
 */
public final class KeyFiles {
    /** File name suffix of a private key. */
    public static final String PRIVATE_SUFFIX = ".key";
    /** File name suffix of a public key; a trust directory holds these. */
    public static final String PUBLIC_SUFFIX = ".pub";

    private static final String PRIVATE_LABEL = "PRIVATE KEY";
    private static final String PUBLIC_LABEL = "PUBLIC KEY";
    /** Far above any PEM key; stops a mistaken path (a disk image) from being read whole. */
    private static final int MAX_KEY_FILE_BYTES = 64 * 1024;

    private KeyFiles() {
    }

    /**
     * Writes {@code DIR/NAME.key} and {@code DIR/NAME.pub}, creating {@code dir} if needed and
     * never overwriting an existing file.
     *
     * @return the path of the private key file
     * @throws PayloadException {@code IO_ERROR} if a file exists or cannot be written
     */
    public static Path write(Path dir, String name, SigningKey key) throws PayloadException {
        Path privateFile = dir.resolve(name + PRIVATE_SUFFIX);
        Path publicFile = dir.resolve(name + PUBLIC_SUFFIX);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw ioError("cannot create directory " + dir, e);
        }
        for (Path file : new Path[] {privateFile, publicFile}) {
            if (Files.exists(file)) {
                throw new PayloadException(PayloadError.IO_ERROR, file + " already exists; choose another "
                        + "--name or directory (keys are never overwritten)");
            }
        }
        writePem(privateFile, PRIVATE_LABEL, key.privateKey().getEncoded(), true);
        writePem(publicFile, PUBLIC_LABEL, key.publicKey().getEncoded(), false);
        return privateFile;
    }

    /**
     * Reads a signing key from its private key file and the {@code .pub} file beside it (Ed25519
     * private keys in PKCS#8 do not carry their public half), and checks that the two belong together.
     *
     * @throws PayloadException {@code BAD_KEY} or {@code IO_ERROR}
     */
    public static SigningKey readSigningKey(Path privateKeyFile) throws PayloadException {
        String fileName = privateKeyFile.getFileName().toString();
        String base = fileName.endsWith(PRIVATE_SUFFIX)
                ? fileName.substring(0, fileName.length() - PRIVATE_SUFFIX.length()) : fileName;
        Path publicFile = privateKeyFile.resolveSibling(base + PUBLIC_SUFFIX);
        SigningKey key = new SigningKey(readPrivate(privateKeyFile), readPublic(publicFile));
        byte[] probe = "hotvisor key pair check".getBytes(StandardCharsets.US_ASCII);
        if (!Ed25519.verify(key.publicKey(), probe, key.sign(probe))) {
            throw new PayloadException(PayloadError.BAD_KEY, privateKeyFile + " and " + publicFile
                    + " are not halves of the same key pair; keep each .key beside its own .pub");
        }
        return key;
    }

    /**
     * Reads a PKCS#8 PEM Ed25519 private key.
     *
     * @throws PayloadException {@code BAD_KEY} or {@code IO_ERROR}
     */
    public static PrivateKey readPrivate(Path file) throws PayloadException {
        byte[] der = readPem(file, PRIVATE_LABEL);
        try {
            return Ed25519.keyFactory().generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (InvalidKeySpecException | RuntimeException e) {
            throw badKey(file, PRIVATE_LABEL, e);
        }
    }

    /**
     * Reads an X.509 PEM Ed25519 public key.
     *
     * @throws PayloadException {@code BAD_KEY} or {@code IO_ERROR}
     */
    public static PublicKey readPublic(Path file) throws PayloadException {
        byte[] der = readPem(file, PUBLIC_LABEL);
        try {
            return Ed25519.keyFactory().generatePublic(new X509EncodedKeySpec(der));
        } catch (InvalidKeySpecException | RuntimeException e) {
            throw badKey(file, PUBLIC_LABEL, e);
        }
    }

    /** The PEM text of a public key, as written to a {@code .pub} file. */
    public static String publicPem(PublicKey key) {
        return pem(PUBLIC_LABEL, key.getEncoded());
    }

    private static byte[] readPem(Path file, String label) throws PayloadException {
        String text;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_KEY_FILE_BYTES + 1);
            if (bytes.length > MAX_KEY_FILE_BYTES) {
                throw new PayloadException(PayloadError.BAD_KEY, file + " is larger than any PEM key ("
                        + MAX_KEY_FILE_BYTES + " bytes); check the path");
            }
            text = new String(bytes, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new PayloadException(PayloadError.IO_ERROR, "key file " + file + " does not exist", e);
        } catch (IOException e) {
            throw ioError("cannot read key file " + file, e);
        }
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new PayloadException(PayloadError.BAD_KEY, file + " has no '" + begin + "' block; expected an "
                    + "Ed25519 key written by 'hvpatch keygen' (or openssl)");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to).strip());
        } catch (IllegalArgumentException e) {
            throw badKey(file, label, e);
        }
    }

    private static void writePem(Path file, String label, byte[] der, boolean ownerOnly) throws PayloadException {
        byte[] bytes = pem(label, der).getBytes(StandardCharsets.US_ASCII);
        try {
            if (ownerOnly && Files.getFileStore(file.getParent()).supportsFileAttributeView("posix")) {
                // Created with owner-only permissions, so the private key is never world-readable, not even briefly.
                Files.createFile(file, PosixFilePermissions.asFileAttribute(Set.of(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE)));
                Files.write(file, bytes, StandardOpenOption.TRUNCATE_EXISTING);
            } else {
                Files.write(file, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
        } catch (FileAlreadyExistsException e) {
            throw new PayloadException(PayloadError.IO_ERROR, file + " already exists; keys are never overwritten", e);
        } catch (IOException e) {
            throw ioError("cannot write " + file, e);
        }
    }

    private static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    private static PayloadException badKey(Path file, String label, Exception cause) {
        return new PayloadException(PayloadError.BAD_KEY, file + " is not an Ed25519 key in PEM '" + label
                + "' form; expected a key written by 'hvpatch keygen'", cause);
    }

    private static PayloadException ioError(String what, IOException e) {
        return new PayloadException(PayloadError.IO_ERROR, what + ": " + e.getMessage(), e);
    }
}
