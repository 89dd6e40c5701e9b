package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.ManifestCodec;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.manifest.PayloadKind;
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

    @Test
    void aBombJarDeclaringAGibibyteIsRefusedBeforeInflating() {
        byte[] bytes = signedBundleUpdate(bombJar(ZipBombs.GIB));
        PayloadException e = assertRefused(PayloadError.ENTRY_TOO_LARGE, () -> assertTimeoutPreemptively(QUICKLY,
                () -> reader.verify(bytes, trust)));
        assertTrue(e.getMessage().contains(Fixtures.SCHED_BUNDLE) && e.getMessage().contains("Bomb.class"), e.getMessage());
    }

    @Test
    void aBombJarDeclaringAFewBytesIsRefusedAtTheFirstByteTooMany() {
        byte[] bytes = signedBundleUpdate(bombJar(1000));
        PayloadException e = assertRefused(PayloadError.BAD_BUNDLE, () -> assertTimeoutPreemptively(QUICKLY,
                () -> reader.verify(bytes, trust)));
        assertTrue(e.getMessage().contains(Fixtures.SCHED_BUNDLE) && e.getMessage().contains("more than the 1000 bytes"),
                e.getMessage());
    }

    @Test
    void theWriterRefusesABombJarToo() {
        BundleChange bomb = new BundleChange(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_FROM, Fixtures.SCHED_TO, bombJar(1000));
        PayloadDraft draft = PayloadDraft.bundleUpdate("bomb", Fixtures.TARGET, null, List.of(bomb), Metadata.EMPTY);
        assertRefused(PayloadError.BAD_BUNDLE, () -> assertTimeoutPreemptively(QUICKLY,
                () -> PayloadWriter.write(draft, key)));
    }

    @Test
    void theEntriesOfBundleJarsShareTheTotalCapWithThePayloadsOwnEntries() throws Exception {
        byte[] bytes = PayloadWriter.write(Fixtures.bundleDraft("update-1"), key);
        long payloadEntries = Fixtures.entries(bytes).values().stream().mapToLong(b -> b.length).sum();
        PayloadLimits roomForThePayloadOnly = new PayloadLimits(1 << 20, 100, 1 << 16, 1 << 16, payloadEntries + 1);
        PayloadException e = assertRefused(PayloadError.PAYLOAD_TOO_LARGE,
                () -> new PayloadReader(roomForThePayloadOnly).verify(bytes, trust));
        assertTrue(e.getMessage().startsWith("bundle io.hotvisor.console"), e.getMessage());
        PayloadLimits roomForAll = new PayloadLimits(1 << 20, 100, 1 << 16, 1 << 16, 2 * payloadEntries);
        assertEquals(2, new PayloadReader(roomForAll).verify(bytes, trust).manifest().bundles().size());
    }

    /** A bundle jar with a valid manifest and a class entry that inflates to 1 GiB but declares {@code declared} bytes. */
    private static byte[] bombJar(long declared) {
        return new RawZip()
                .stored("META-INF/MANIFEST.MF", Fixtures.bundleManifest(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_TO))
                .precompressed("io/hotvisor/sched/Bomb.class", ZipBombs.deflatedGibOfZeros(), declared)
                .build();
    }

    /** A properly signed bundle-update of the scheduler bundle carrying {@code jar}, which the writer would refuse. */
    private byte[] signedBundleUpdate(byte[] jar) {
        BundleEntry entry = new BundleEntry(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_FROM, Fixtures.SCHED_TO, Sha256.of(jar));
        BuildId id = Manifest.computePayloadBuildId(PayloadKind.BUNDLE_UPDATE, Fixtures.TARGET, null, List.of(),
                List.of(), List.of(entry));
        Manifest m = new Manifest(PayloadKind.BUNDLE_UPDATE.formatVersion(), PayloadKind.BUNDLE_UPDATE, "bomb", id,
                Fixtures.TARGET, null, key.keyId(), List.of(), List.of(), List.of(entry), Metadata.EMPTY);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(entry.entryName(), jar);
        entries.put("patch.json", ManifestCodec.write(m));
        return Fixtures.zip(Fixtures.resign(entries, key));
    }

    /** Offset of the central directory, from the end record of a comment-less ZIP. */
    private static int centralStart(byte[] zip) {
        return ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getInt(zip.length - 22 + 16);
    }
}
