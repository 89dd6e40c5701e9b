package io.hotvisor.patch.format.sign;

import io.hotvisor.patch.format.PayloadError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static io.hotvisor.patch.format.payload.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrustStoreTest {
    @TempDir
    Path dir;

    @Test
    void everyPubFileOfTheDirectoryIsTrustedAndNothingElse() throws Exception {
        SigningKey a = SigningKey.generate();
        SigningKey b = SigningKey.generate();
        KeyFiles.write(dir, "a", a);
        KeyFiles.write(dir, "b", b);
        Files.writeString(dir.resolve("README.txt"), "not a key");
        TrustStore trust = TrustStore.load(dir);
        assertEquals(Set.of(a.keyId(), b.keyId()), trust.keyIds());
        assertTrue(trust.find(a.keyId()).isPresent());
        assertTrue(trust.find(SigningKey.generate().keyId()).isEmpty());
    }

    @Test
    void aMissingDirectoryIsRefused() {
        assertRefused(PayloadError.BAD_TRUST_STORE, () -> TrustStore.load(dir.resolve("nope")));
    }

    @Test
    void aDirectoryWithoutKeysIsRefused() {
        assertRefused(PayloadError.BAD_TRUST_STORE, () -> TrustStore.load(dir));
    }

    @Test
    void anUnreadableKeyFileIsRefusedNamingIt() throws Exception {
        Files.writeString(dir.resolve("broken.pub"), "junk");
        assertTrue(assertRefused(PayloadError.BAD_KEY, () -> TrustStore.load(dir)).getMessage().contains("broken.pub"));
    }

    @Test
    void theSameKeyUnderTwoNamesIsTrustedOnce() throws Exception {
        KeyFiles.write(dir, "a", SigningKey.generate());
        Files.copy(dir.resolve("a.pub"), dir.resolve("copy.pub"));
        assertEquals(1, TrustStore.load(dir).keyIds().size());
    }
}
