package io.hotvisor.patch.format.sign;

import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import static io.hotvisor.patch.format.payload.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyFilesTest {
    @TempDir
    Path dir;

    @Test
    void aWrittenKeyPairReadsBackAndSigns() throws Exception {
        SigningKey key = SigningKey.generate();
        Path privateFile = KeyFiles.write(dir, "release", key);
        SigningKey read = KeyFiles.readSigningKey(privateFile);
        assertEquals(key.keyId(), read.keyId());
        assertArrayEquals(key.sign(new byte[] {1}), read.sign(new byte[] {1}));
    }

    @Test
    void filesArePemInTheStandardForms() throws Exception {
        KeyFiles.write(dir, "release", SigningKey.generate());
        assertTrue(Files.readString(dir.resolve("release.key")).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertTrue(Files.readString(dir.resolve("release.pub")).startsWith("-----BEGIN PUBLIC KEY-----\n"));
    }

    @Test
    void thePrivateKeyIsReadableByItsOwnerOnly() throws Exception {
        KeyFiles.write(dir, "release", SigningKey.generate());
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(dir.resolve("release.key")));
    }

    @Test
    void keysAreNeverOverwritten() throws Exception {
        KeyFiles.write(dir, "release", SigningKey.generate());
        assertRefused(PayloadError.IO_ERROR, () -> KeyFiles.write(dir, "release", SigningKey.generate()));
    }

    @Test
    void theKeyIdIsTheFirst16HexDigitsOfTheSha256OfTheEncodedPublicKey() {
        SigningKey key = SigningKey.generate();
        String expected = "ed25519:" + Sha256.of(key.publicKey().getEncoded()).hex().substring(0, 16);
        assertEquals(expected, key.keyId().text());
    }

    @Test
    void aFileWithoutAPemBlockIsABadKey() throws Exception {
        Path file = dir.resolve("x.pub");
        Files.writeString(file, "hello", StandardCharsets.US_ASCII);
        assertRefused(PayloadError.BAD_KEY, () -> KeyFiles.readPublic(file));
    }

    @Test
    void aPemBlockThatIsNotAnEd25519KeyIsABadKey() throws Exception {
        Path file = dir.resolve("x.pub");
        Files.writeString(file, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        assertRefused(PayloadError.BAD_KEY, () -> KeyFiles.readPublic(file));
    }

    @Test
    void halvesOfDifferentPairsAreRefused() throws Exception {
        KeyFiles.write(dir, "a", SigningKey.generate());
        KeyFiles.write(dir.resolve("other"), "a", SigningKey.generate());
        Files.delete(dir.resolve("a.pub"));
        Files.copy(dir.resolve("other/a.pub"), dir.resolve("a.pub"));
        assertRefused(PayloadError.BAD_KEY, () -> KeyFiles.readSigningKey(dir.resolve("a.key")));
    }

    @Test
    void aMissingKeyFileIsAnIoError() {
        assertRefused(PayloadError.IO_ERROR, () -> KeyFiles.readPublic(dir.resolve("nope.pub")));
    }
}
