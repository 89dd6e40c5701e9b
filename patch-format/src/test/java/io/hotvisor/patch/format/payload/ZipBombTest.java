package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.sign.SigningKey;
import io.hotvisor.patch.format.sign.TrustStore;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import static io.hotvisor.patch.format.payload.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Zip bombs are refused quickly and in bounded memory (the test JVM has a 256 MiB heap, so a
 * reader that inflated a GiB would fail with OutOfMemoryError).
 */
class ZipBombTest {
    private static final String CLASS = "classes/io.hotvisor.runtime/Bomb.class";
    private static final Duration QUICKLY = Duration.ofSeconds(2);

    private final SigningKey key = Fixtures.key(7);
    private final TrustStore trust = TrustStore.of(List.of(key.publicKey()));
    private final PayloadReader reader = new PayloadReader();

    private static Map<String, byte[]> validEntries() throws Exception {
        return new LinkedHashMap<>(Fixtures.entries(PayloadWriter.write(Fixtures.draft("bomb", 1), Fixtures.key(7))));
    }

    @Test
    void theBombReallyInflatesToOneGibibyte() throws DataFormatException {
        byte[] stream = ZipBombs.deflatedGibOfZeros();
        assertTrue(stream.length < 1_100_000, "about 1 MiB: " + stream.length);
        Inflater inflater = new Inflater(true);
        inflater.setInput(stream);
        byte[] buffer = new byte[1 << 20];
        long total = 0;
        while (!inflater.finished()) {
            total += inflater.inflate(buffer);
        }
        inflater.end();
        assertEquals(ZipBombs.GIB, total);
    }

    @Test
    void aOneKibibyteZipDeclaringAGibibyteIsRefusedBeforeInflating() throws Exception {
        RawZip zip = new RawZip();
        validEntries().forEach(zip::stored);
        zip.precompressed(CLASS, new byte[512], ZipBombs.GIB);
        byte[] bytes = zip.build();
        assertRefused(PayloadError.ENTRY_TOO_LARGE, () -> assertTimeoutPreemptively(QUICKLY,
                () -> reader.verify(bytes, trust)));
    }

    @Test
    void anHonestGibibyteEntryIsRefusedByItsDeclaredSize() throws Exception {
        RawZip zip = new RawZip();
        validEntries().forEach(zip::stored);
        zip.precompressed(CLASS, ZipBombs.deflatedGibOfZeros(), ZipBombs.GIB);
        byte[] bytes = zip.build();
        assertRefused(PayloadError.ENTRY_TOO_LARGE, () -> assertTimeoutPreemptively(QUICKLY,
                () -> reader.verify(bytes, trust)));
    }

    @Test
    void aGibibyteEntryDeclaringAFewBytesIsRefusedAtTheFirstByteTooMany() throws Exception {
        RawZip zip = new RawZip();
        validEntries().forEach(zip::stored);
        zip.precompressed(CLASS, ZipBombs.deflatedGibOfZeros(), 1000);
        byte[] bytes = zip.build();
        PayloadException e = assertRefused(PayloadError.BAD_ZIP, () -> assertTimeoutPreemptively(QUICKLY,
                () -> reader.verify(bytes, trust)));
        assertTrue(e.getMessage().contains("more than the 1000 bytes"), e.getMessage());
    }

    @Test
    void entriesWhoseDataOverlapAreRefused() throws Exception {
        // The core of Fifield's non-recursive zip bomb: entry A's stored data quotes entry B's local
        // header and data, so B's bytes are counted twice. Chained, this multiplies the output.
        String nameA = "classes/io.hotvisor.runtime/A.class";
        String nameB = "classes/io.hotvisor.runtime/B.class";
        byte[] onlyB = new RawZip().precompressed(nameB, RawZip.deflate(new byte[1 << 20]), 1 << 20).build();
        int localBLength = centralStart(onlyB);
        byte[] localB = Arrays.copyOf(onlyB, localBLength);
        byte[] withA = new RawZip().stored(nameA, localB).build();
        int centralA = centralStart(withA);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(withA, 0, withA.length - 22);                        // A's local entry and central record
        byte[] recordB = Arrays.copyOfRange(onlyB, localBLength, onlyB.length - 22);
        ByteBuffer.wrap(recordB).order(ByteOrder.LITTLE_ENDIAN).putInt(42, 30 + nameA.length()); // B lives inside A
        out.writeBytes(recordB);
        int centralSize = out.size() - centralA;
        out.writeBytes(ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN).putInt(0x06054b50).putInt(0)
                .putShort((short) 2).putShort((short) 2).putInt(centralSize).putInt(centralA).putShort((short) 0)
                .array());
        byte[] bytes = out.toByteArray();
        PayloadException e = assertRefused(PayloadError.BAD_ZIP,
                () -> assertTimeoutPreemptively(QUICKLY, () -> reader.inspect(bytes)));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
    }

    /** Offset of the central directory, from the end record of a comment-less ZIP. */
    private static int centralStart(byte[] zip) {
        return ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getInt(zip.length - 22 + 16);
    }
}
