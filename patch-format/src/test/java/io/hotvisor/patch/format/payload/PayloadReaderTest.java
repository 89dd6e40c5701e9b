package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.ClassKind;
import io.hotvisor.patch.format.manifest.FormatVersion;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.HookPhase;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.ManifestCodec;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.manifest.PayloadKind;
import io.hotvisor.patch.format.sign.SigningKey;
import io.hotvisor.patch.format.sign.TrustStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.hotvisor.patch.format.payload.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PayloadReaderTest {
    private static final String CLASS0 = "classes/io.hotvisor.runtime/io/hotvisor/runtime/sched/Credit2$Part0.class";

    private final SigningKey key = Fixtures.key(1);
    private final TrustStore trust = TrustStore.of(List.of(key.publicKey()));
    private final PayloadReader reader = new PayloadReader();
    private final PayloadDraft draft = Fixtures.draft("fix-1", 2);

    private byte[] payload() throws Exception {
        return PayloadWriter.write(draft, key);
    }

    @Test
    void aWrittenPayloadVerifiesWithItsManifestAndClassBytes() throws Exception {
        Payload payload = reader.verify(payload(), trust);
        Manifest m = payload.manifest();
        assertTrue(payload.signatureVerified());
        assertEquals("fix-1", m.name());
        assertEquals(Fixtures.TARGET, m.targetBuildId());
        assertEquals(key.keyId(), m.signingKey());
        assertEquals(new FormatVersion(1, 0), m.formatVersion(), "a livepatch still declares format 1.0");
        assertEquals(3, m.classes().size());
        assertEquals(Fixtures.METADATA, m.metadata());
        assertEquals(List.of(HookPhase.PRE_APPLY, HookPhase.POST_APPLY), m.hooks().stream().map(Hook::phase).toList());
        for (ClassChange change : draft.classes()) {
            ClassEntry entry = m.classes().stream()
                    .filter(c -> c.className().equals(change.image().className())).findFirst().orElseThrow();
            assertArrayEquals(change.image().bytes(), payload.classBytes(entry));
            assertEquals(change.kind(), entry.kind());
            assertEquals(change.expectedSha256(), entry.expectedSha256());
        }
    }

    @Test
    void inspectReadsWithoutATrustStoreAndSaysSo() throws Exception {
        Payload payload = reader.inspect(payload());
        assertFalse(payload.signatureVerified());
        assertEquals("fix-1", payload.manifest().name());
    }

    @Test
    void aPayloadStackedOnAnotherRecordsItsDependency() throws Exception {
        BuildId first = reader.verify(payload(), trust).manifest().payloadBuildId();
        PayloadDraft second = new PayloadDraft("fix-2", Fixtures.TARGET, first, draft.classes(), List.of(),
                Metadata.EMPTY);
        assertEquals(first, reader.verify(PayloadWriter.write(second, key), trust).manifest().dependsOn());
    }

    @Test
    void aHooksOnlyPayloadWithNoClassesIsValid() throws Exception {
        PayloadDraft hooksOnly = new PayloadDraft("hooks-only", Fixtures.TARGET, null, List.of(),
                List.of(new Hook(HookPhase.APPLY, Fixtures.BUNDLE, "io.hotvisor.runtime.Livepatch", "apply"),
                        new Hook(HookPhase.REVERT, Fixtures.BUNDLE, "io.hotvisor.runtime.Livepatch", "revert")),
                Metadata.EMPTY);
        Payload payload = reader.verify(PayloadWriter.write(hooksOnly, key), trust);
        assertTrue(payload.manifest().classes().isEmpty());
        assertEquals(2, payload.manifest().hooks().size());
    }

    @Test
    void aPayloadReZippedWithDeflateAndAnotherOrderStillVerifies() throws Exception {
        Map<String, byte[]> entries = Fixtures.entries(payload());
        List<String> names = new ArrayList<>(entries.keySet());
        Collections.reverse(names);
        RawZip zip = new RawZip();
        names.forEach(n -> zip.deflated(n, entries.get(n)));
        Payload payload = reader.verify(zip.build(), trust);
        assertEquals(reader.verify(payload(), trust).manifest(), payload.manifest());
    }

    @Test
    void aPayloadIsReadFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fix.hvp");
        PayloadWriter.write(draft, key, file);
        assertEquals("fix-1", reader.verify(file, trust).manifest().name());
        assertRefused(PayloadError.IO_ERROR, () -> reader.verify(dir.resolve("missing.hvp"), trust));
    }

    @Test
    void bytesThatAreNotAZipAreRefused() {
        assertRefused(PayloadError.BAD_ZIP, () -> reader.verify("hello".getBytes(StandardCharsets.US_ASCII), trust));
        assertRefused(PayloadError.BAD_ZIP, () -> reader.verify(new byte[0], trust));
    }

    @Test
    void aTruncatedPayloadIsRefused() throws Exception {
        byte[] bytes = payload();
        assertRefused(PayloadError.BAD_ZIP, () -> reader.verify(java.util.Arrays.copyOf(bytes, bytes.length - 1), trust));
        assertRefused(PayloadError.BAD_ZIP, () -> reader.verify(java.util.Arrays.copyOf(bytes, bytes.length / 2), trust));
    }

    @Test
    void aFlippedBitIsCaughtByTheCrc() throws Exception {
        byte[] bytes = payload();
        bytes[100] ^= 0x10;
        assertRefused(PayloadError.BAD_ZIP, () -> reader.verify(bytes, trust));
    }

    @Test
    void duplicateEntryNamesAreRefused() throws Exception {
        Map<String, byte[]> entries = Fixtures.entries(payload());
        RawZip zip = new RawZip();
        entries.forEach(zip::stored);
        zip.stored(CLASS0, entries.get(CLASS0));
        assertTrue(assertRefused(PayloadError.DUPLICATE_ENTRY, () -> reader.verify(zip.build(), trust))
                .getMessage().contains(CLASS0));
    }

    @Test
    void entryNamesThatCouldEscapeAFolderAreRefused() throws Exception {
        for (String name : List.of("../evil.class", "classes/../../x", "/etc/passwd", "classes\\x.class",
                "C:/x.class", "classes//x.class", "classes/./x.class", "a\u0000b")) {
            Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(payload()));
            entries.put(name, new byte[] {1});
            assertRefused(PayloadError.UNSAFE_ENTRY_NAME, () -> reader.verify(Fixtures.zip(entries), trust));
        }
    }

    @Test
    void anEntryTheManifestDoesNotNameIsRefused() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(payload()));
        entries.put("classes/io.hotvisor.runtime/Extra.class", Fixtures.classBytes("Extra", 1));
        assertTrue(assertRefused(PayloadError.UNLISTED_ENTRY, () -> reader.verify(Fixtures.zip(entries), trust))
                .getMessage().contains("classes/io.hotvisor.runtime/Extra.class"));
    }

    @Test
    void aFolderEntryIsRefusedAsUnlisted() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(payload()));
        entries.put("classes/", new byte[0]);
        assertRefused(PayloadError.UNLISTED_ENTRY, () -> reader.verify(Fixtures.zip(entries), trust));
    }

    @Test
    void aClassTheManifestNamesButThePayloadLacksIsRefused() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(payload()));
        entries.remove(CLASS0);
        assertTrue(assertRefused(PayloadError.MISSING_ENTRY, () -> reader.verify(Fixtures.zip(entries), trust))
                .getMessage().contains(CLASS0));
    }

    @Test
    void aPayloadWithoutManifestIsRefused() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(payload()));
        entries.remove("patch.json");
        assertRefused(PayloadError.MISSING_ENTRY, () -> reader.verify(Fixtures.zip(entries), trust));
    }

    @Test
    void anEntryOverItsCapIsRefused() throws Exception {
        PayloadLimits small = new PayloadLimits(1 << 20, 100, 100, 1 << 16, 1 << 20);
        assertRefused(PayloadError.ENTRY_TOO_LARGE, () -> new PayloadReader(small).verify(payload(), trust));
    }

    @Test
    void aPayloadOverTheFileOrEntryCountCapIsRefused() throws Exception {
        byte[] bytes = payload();
        PayloadLimits smallFile = new PayloadLimits(bytes.length - 1, 100, 1 << 16, 1 << 16, 1 << 20);
        assertRefused(PayloadError.PAYLOAD_TOO_LARGE, () -> new PayloadReader(smallFile).verify(bytes, trust));
        PayloadLimits fewEntries = new PayloadLimits(1 << 20, 2, 1 << 16, 1 << 16, 1 << 20);
        assertRefused(PayloadError.PAYLOAD_TOO_LARGE, () -> new PayloadReader(fewEntries).verify(bytes, trust));
        PayloadLimits smallTotal = new PayloadLimits(1 << 20, 100, 1 << 16, 1 << 16, 1000);
        assertRefused(PayloadError.PAYLOAD_TOO_LARGE, () -> new PayloadReader(smallTotal).verify(bytes, trust));
    }

    @Test
    void aClassChangedAfterSigningIsADigestMismatchNamingTheEntry() throws Exception {
        byte[] tampered = Fixtures.tamperFirstClass(payload());
        assertTrue(assertRefused(PayloadError.DIGEST_MISMATCH, () -> reader.verify(tampered, trust))
                .getMessage().contains(CLASS0));
    }

    @Test
    void aManifestWhoseBuildIdDoesNotMatchItsContentIsRefused() throws Exception {
        Manifest m = reader.verify(payload(), trust).manifest();
        Manifest lying = new Manifest(m.formatVersion(), m.kind(), m.name(), BuildId.parse("00".repeat(32)),
                m.targetBuildId(), m.dependsOn(), m.signingKey(), m.classes(), m.hooks(), m.bundles(), m.metadata());
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(payload()));
        entries.put("patch.json", ManifestCodec.write(lying));
        assertRefused(PayloadError.BUILD_ID_MISMATCH, () -> reader.verify(Fixtures.zip(Fixtures.resign(entries, key)), trust));
    }

    @Test
    void aPayloadWithoutSignatureIsRefused() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(payload()));
        entries.remove("patch.sig");
        assertRefused(PayloadError.SIGNATURE_MISSING, () -> reader.verify(Fixtures.zip(entries), trust));
        assertRefused(PayloadError.SIGNATURE_MISSING, () -> reader.inspect(Fixtures.zip(entries)));
    }

    @Test
    void aChangedManifestBreaksTheSignature() throws Exception {
        Manifest m = reader.verify(payload(), trust).manifest();
        Manifest edited = new Manifest(m.formatVersion(), m.kind(), m.name(), m.payloadBuildId(), m.targetBuildId(),
                m.dependsOn(), m.signingKey(), m.classes(), m.hooks(), m.bundles(), Metadata.EMPTY);
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(payload()));
        entries.put("patch.json", ManifestCodec.write(edited));
        assertRefused(PayloadError.SIGNATURE_INVALID, () -> reader.verify(Fixtures.zip(entries), trust));
    }

    @Test
    void aSignatureOfTheWrongLengthIsRefused() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(payload()));
        entries.put("patch.sig", new byte[63]);
        assertRefused(PayloadError.SIGNATURE_INVALID, () -> reader.inspect(Fixtures.zip(entries)));
    }

    @Test
    void aPayloadSignedByAnUntrustedKeyIsRefusedNamingTheKey() throws Exception {
        SigningKey stranger = Fixtures.key(2);
        PayloadException e = assertRefused(PayloadError.UNTRUSTED_KEY,
                () -> reader.verify(PayloadWriter.write(draft, stranger), trust));
        assertTrue(e.getMessage().contains(stranger.keyId().text()), e.getMessage());
        assertTrue(e.getMessage().contains(key.keyId().text()), e.getMessage());
    }

    @Test
    void aSignatureByAnotherTrustedKeyIsRefused() throws Exception {
        SigningKey other = Fixtures.key(3);
        TrustStore both = TrustStore.of(List.of(key.publicKey(), other.publicKey()));
        Map<String, byte[]> entries = Fixtures.resign(Fixtures.entries(payload()), other);
        assertRefused(PayloadError.SIGNATURE_INVALID, () -> reader.verify(Fixtures.zip(entries), both));
    }

    @Test
    void signedBytesThatAreNotAClassAreRefused() throws Exception {
        byte[] payload = handmade("a.B", "not a class".getBytes(StandardCharsets.US_ASCII));
        assertRefused(PayloadError.BAD_CLASS_FILE, () -> reader.verify(payload, trust));
        byte[] truncated = handmade("a.B", java.util.Arrays.copyOf(Fixtures.classBytes("a.B", 1), 20));
        assertRefused(PayloadError.BAD_CLASS_FILE, () -> reader.verify(truncated, trust));
    }

    @Test
    void signedClassBytesNamingNoClassAreRefused() {
        byte[] payload = handmade("a.Nameless", Fixtures.classNamingNoClass());
        assertTrue(assertRefused(PayloadError.BAD_CLASS_FILE, () -> reader.inspect(payload)).getMessage()
                .contains("names no class"));
    }

    @Test
    void signedBytesOfAnotherClassAreRefused() throws Exception {
        byte[] payload = handmade("a.B", Fixtures.classBytes("a.Other", 1));
        PayloadException e = assertRefused(PayloadError.CLASS_NAME_MISMATCH, () -> reader.verify(payload, trust));
        assertTrue(e.getMessage().contains("a.Other") && e.getMessage().contains("a.B"), e.getMessage());
    }

    @Test
    void aCentralRecordPointingAtAnotherEntrysHeaderIsRefused() throws Exception {
        Map<String, byte[]> entries = Fixtures.entries(payload());
        byte[] zip = Fixtures.zip(entries);
        // Point the second central record's local-header offset at the first entry.
        int central = findCentral(zip, 1);
        zip[central + 42] = 0;
        zip[central + 43] = 0;
        zip[central + 44] = 0;
        zip[central + 45] = 0;
        assertRefused(PayloadError.BAD_ZIP, () -> reader.verify(zip, trust));
    }

    /** A payload the writer would refuse: one define of {@code className} with {@code bytes}, properly signed. */
    private byte[] handmade(String className, byte[] bytes) {
        ClassEntry entry = new ClassEntry(Fixtures.BUNDLE, Fixtures.VERSION, className, ClassKind.DEFINE, null,
                Sha256.of(bytes));
        BuildId id = Manifest.computePayloadBuildId(PayloadKind.LIVEPATCH, Fixtures.TARGET, null, List.of(entry), List.of());
        Manifest m = new Manifest(PayloadKind.LIVEPATCH.formatVersion(), PayloadKind.LIVEPATCH, "handmade", id,
                Fixtures.TARGET, null, key.keyId(), List.of(entry), List.of(), List.of(), Metadata.EMPTY);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(entry.entryName(), bytes);
        entries.put("patch.json", ManifestCodec.write(m));
        return Fixtures.zip(Fixtures.resign(entries, key));
    }

    private static int findCentral(byte[] zip, int index) {
        int seen = 0;
        for (int i = 0; i + 4 <= zip.length; i++) {
            if (zip[i] == 0x50 && zip[i + 1] == 0x4b && zip[i + 2] == 0x01 && zip[i + 3] == 0x02 && seen++ == index) {
                return i;
            }
        }
        throw new AssertionError("no central record " + index);
    }
}
