package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.BundleEntry;
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
import org.objectweb.asm.ClassReader;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;

import static io.hotvisor.patch.format.payload.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A bundle-update payload (README, "Bundle entry"): written and read back, and every way its jars
 * can be wrong refused with its own code. Payloads the writer refuses to produce are made by hand
 * and signed properly, so each test reaches the check it is about.
 */
class BundleUpdatePayloadTest {
    private static final String SCHED_JAR = "bundles/io.hotvisor.sched_0.1.0.u1.jar";

    private final SigningKey key = Fixtures.key(1);
    private final TrustStore trust = TrustStore.of(List.of(key.publicKey()));
    private final PayloadReader reader = new PayloadReader();

    @Test
    void aBundleUpdateRoundTripsThroughTheWriterAndTheReader() throws Exception {
        PayloadDraft draft = Fixtures.bundleDraft("update-1");
        Payload payload = reader.verify(PayloadWriter.write(draft, key), trust);
        Manifest m = payload.manifest();
        assertThat(payload.signatureVerified()).isTrue();
        assertThat(m.kind()).isEqualTo(PayloadKind.BUNDLE_UPDATE);
        assertThat(m.formatVersion()).isEqualTo(new FormatVersion(1, 1));
        assertThat(m.classes()).isEmpty();
        assertThat(m.hooks()).isEmpty();
        assertThat(m.metadata()).isEqualTo(Fixtures.METADATA);
        assertThat(m.bundles()).hasSize(2);
        for (BundleChange change : draft.bundles()) {
            BundleEntry entry = m.bundles().stream().filter(b -> b.bundle().equals(change.bundle())).findFirst().orElseThrow();
            assertThat(entry.fromVersion()).isEqualTo(change.fromVersion());
            assertThat(entry.toVersion()).isEqualTo(change.toVersion());
            assertThat(entry.newSha256()).isEqualTo(Sha256.of(change.jar()));
            assertThat(payload.bundleBytes(entry)).isEqualTo(change.jar());
        }
    }

    @Test
    void bundleBytesAreACopyAndOnlyForThePayloadsOwnBundles() throws Exception {
        Payload payload = reader.verify(PayloadWriter.write(Fixtures.bundleDraft("update-1"), key), trust);
        BundleEntry entry = payload.manifest().bundles().get(0);
        payload.bundleBytes(entry)[0] ^= 1;
        assertThat(Sha256.of(payload.bundleBytes(entry))).isEqualTo(entry.newSha256());
        BundleEntry stranger = new BundleEntry("io.hotvisor.other", "1", "2", entry.newSha256());
        assertThatThrownBy(() -> payload.bundleBytes(stranger)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSameDraftAndKeyGiveByteIdenticalPayloadsInAnyBundleOrder() throws Exception {
        PayloadDraft draft = Fixtures.bundleDraft("update-1");
        List<BundleChange> reversed = new ArrayList<>(draft.bundles());
        Collections.reverse(reversed);
        byte[] first = PayloadWriter.write(draft, key);
        assertThat(PayloadWriter.write(Fixtures.bundleDraft("update-1"), key)).isEqualTo(first);
        assertThat(PayloadWriter.write(PayloadDraft.bundleUpdate("update-1", Fixtures.TARGET, null, reversed,
                Fixtures.METADATA), key)).isEqualTo(first);
    }

    @Test
    void theJarsAreStoredEntriesBeforeTheManifestAndTheSignature() throws Exception {
        assertThat(Fixtures.entries(PayloadWriter.write(Fixtures.bundleDraft("update-1"), key)).keySet()).containsExactly(
                "bundles/io.hotvisor.console_1.10.0.jar", SCHED_JAR, "patch.json", "patch.sig");
    }

    @Test
    void aDraftWithBundlesIsABundleUpdateAndCarriesNothingElse() {
        assertThat(Fixtures.bundleDraft("update-1").kind()).isEqualTo(PayloadKind.BUNDLE_UPDATE);
        assertThat(Fixtures.draft("fix-1", 1).kind()).isEqualTo(PayloadKind.LIVEPATCH);
        PayloadDraft livepatch = Fixtures.draft("fix-1", 1);
        assertThatThrownBy(() -> new PayloadDraft("mixed", Fixtures.TARGET, null, livepatch.classes(), List.of(),
                List.of(Fixtures.schedChange()), Metadata.EMPTY)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bundle-update carries only bundles");
        assertThatThrownBy(() -> new PayloadDraft("mixed", Fixtures.TARGET, null, List.of(),
                List.of(new Hook(HookPhase.APPLY, Fixtures.SCHED_BUNDLE, Fixtures.SCHED_CLASS, "apply")),
                List.of(Fixtures.schedChange()), Metadata.EMPTY)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRealBundleJarBuiltByAnotherToolVerifies() throws Exception {
        // ASM's own jar is an OSGi bundle (bnd-made, with folders, module-info.class and a wrapped manifest).
        Path asm = Path.of(ClassReader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String version;
        try (JarFile jar = new JarFile(asm.toFile())) {
            version = jar.getManifest().getMainAttributes().getValue("Bundle-Version");
        }
        BundleChange change = new BundleChange("org.objectweb.asm", "9.0", version, Files.readAllBytes(asm));
        Payload payload = reader.verify(PayloadWriter.write(PayloadDraft.bundleUpdate("asm", Fixtures.TARGET, null,
                List.of(change), Metadata.EMPTY), key), trust);
        assertThat(payload.bundleBytes(payload.manifest().bundles().get(0))).isEqualTo(change.jar());
    }

    @Test
    void aClassInAMultiReleaseFolderDeclaresTheClassBelowIt() throws Exception {
        Map<String, byte[]> jar = Fixtures.bundleJarEntries(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_TO, Fixtures.SCHED_CLASS);
        jar.put("META-INF/versions/17/io/hotvisor/sched/Credit2.class", Fixtures.classBytes(Fixtures.SCHED_CLASS, 17));
        assertThat(reader.verify(handmade(Fixtures.jar(jar)), trust).manifest().bundles()).hasSize(1);
    }

    // The writer refuses what the reader would, with the same code.

    @Test
    void theWriterRefusesABundleListedTwice() {
        PayloadDraft draft = PayloadDraft.bundleUpdate("twice", Fixtures.TARGET, null,
                List.of(Fixtures.schedChange(), Fixtures.schedChange()), Metadata.EMPTY);
        assertThat(assertRefused(PayloadError.BAD_MANIFEST, () -> PayloadWriter.write(draft, key)).getMessage())
                .contains("listed twice");
    }

    @Test
    void theWriterRefusesAToVersionThatIsNotGreater() {
        BundleChange backwards = new BundleChange(Fixtures.SCHED_BUNDLE, "0.2.0", Fixtures.SCHED_TO,
                Fixtures.bundleJar(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_TO, Fixtures.SCHED_CLASS));
        PayloadDraft draft = PayloadDraft.bundleUpdate("backwards", Fixtures.TARGET, null, List.of(backwards), Metadata.EMPTY);
        assertThat(assertRefused(PayloadError.BAD_MANIFEST, () -> PayloadWriter.write(draft, key)).getMessage())
                .startsWith("patch.json: bundles[0].to-version:");
    }

    @Test
    void theWriterRefusesAJarOfAnotherBundle() {
        BundleChange wrong = new BundleChange(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_FROM, Fixtures.SCHED_TO,
                Fixtures.bundleJar("io.hotvisor.console", Fixtures.SCHED_TO, Fixtures.SCHED_CLASS));
        PayloadDraft draft = PayloadDraft.bundleUpdate("wrong", Fixtures.TARGET, null, List.of(wrong), Metadata.EMPTY);
        assertRefused(PayloadError.BAD_BUNDLE, () -> PayloadWriter.write(draft, key));
    }

    // The reader refuses each broken jar, naming the bundle and what is wrong.

    @Test
    void aJarNamingAnotherBundleIsRefused() {
        byte[] payload = handmade(Fixtures.bundleJar("io.hotvisor.console", Fixtures.SCHED_TO, Fixtures.SCHED_CLASS));
        PayloadException e = assertRefused(PayloadError.BAD_BUNDLE, () -> reader.verify(payload, trust));
        assertThat(e.getMessage()).contains(Fixtures.SCHED_BUNDLE, SCHED_JAR, "Bundle-SymbolicName is io.hotvisor.console");
    }

    @Test
    void aJarOfAnotherVersionIsRefused() {
        byte[] payload = handmade(Fixtures.bundleJar(Fixtures.SCHED_BUNDLE, "0.1.0.u2", Fixtures.SCHED_CLASS));
        PayloadException e = assertRefused(PayloadError.BAD_BUNDLE, () -> reader.verify(payload, trust));
        assertThat(e.getMessage()).contains(Fixtures.SCHED_BUNDLE, "Bundle-Version is 0.1.0.u2", Fixtures.SCHED_TO);
    }

    @Test
    void aJarVersionMustBeWrittenAsTheToVersionIs() {
        byte[] jar = Fixtures.bundleJar(Fixtures.SCHED_BUNDLE, "1.0.0", Fixtures.SCHED_CLASS);
        byte[] payload = handmade(new BundleEntry(Fixtures.SCHED_BUNDLE, "0.9", "1.0", Sha256.of(jar)), jar);
        assertRefused(PayloadError.BAD_BUNDLE, () -> reader.verify(payload, trust));
    }

    @Test
    void aJarWithoutManifestIsRefused() {
        Map<String, byte[]> jar = Fixtures.bundleJarEntries(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_TO, Fixtures.SCHED_CLASS);
        jar.remove("META-INF/MANIFEST.MF");
        PayloadException e = assertRefused(PayloadError.BAD_BUNDLE, () -> reader.verify(handmade(Fixtures.jar(jar)), trust));
        assertThat(e.getMessage()).contains(Fixtures.SCHED_BUNDLE, "no META-INF/MANIFEST.MF");
    }

    @Test
    void aJarManifestWithoutBundleHeadersIsRefused() {
        Map<String, byte[]> jar = Fixtures.bundleJarEntries(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_TO, Fixtures.SCHED_CLASS);
        jar.put("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        PayloadException e = assertRefused(PayloadError.BAD_BUNDLE, () -> reader.verify(handmade(Fixtures.jar(jar)), trust));
        assertThat(e.getMessage()).contains("no Bundle-SymbolicName header");
    }

    @Test
    void aJarManifestThatDoesNotParseIsRefused() {
        Map<String, byte[]> jar = Fixtures.bundleJarEntries(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_TO, Fixtures.SCHED_CLASS);
        jar.put("META-INF/MANIFEST.MF", ("Manifest-Version: 1.0\r\nBundle-Symbolic" + "x".repeat(600) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertRefused(PayloadError.BAD_BUNDLE, () -> reader.verify(handmade(Fixtures.jar(jar)), trust));
    }

    @Test
    void aJarThatIsNotAZipIsRefused() {
        PayloadException e = assertRefused(PayloadError.BAD_BUNDLE,
                () -> reader.verify(handmade("not a jar".getBytes(StandardCharsets.US_ASCII)), trust));
        assertThat(e.getMessage()).contains(Fixtures.SCHED_BUNDLE, "cannot be read");
    }

    @Test
    void aJarEntryNameThatCouldEscapeAFolderIsRefused() {
        Map<String, byte[]> jar = Fixtures.bundleJarEntries(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_TO, Fixtures.SCHED_CLASS);
        jar.put("../../etc/cron.d/x", new byte[] {1});
        assertRefused(PayloadError.BAD_BUNDLE, () -> reader.verify(handmade(Fixtures.jar(jar)), trust));
    }

    @Test
    void aBadClassInsideTheJarIsABadClassFileNamingTheJarEntry() {
        Map<String, byte[]> jar = Fixtures.bundleJarEntries(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_TO, Fixtures.SCHED_CLASS);
        jar.put("io/hotvisor/sched/Broken.class", "not a class".getBytes(StandardCharsets.US_ASCII));
        PayloadException e = assertRefused(PayloadError.BAD_CLASS_FILE, () -> reader.verify(handmade(Fixtures.jar(jar)), trust));
        assertThat(e.getMessage()).contains(Fixtures.SCHED_BUNDLE, "io/hotvisor/sched/Broken.class", SCHED_JAR);
    }

    @Test
    void aClassInsideTheJarNamingNoClassIsABadClassFile() {
        Map<String, byte[]> jar = Fixtures.bundleJarEntries(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_TO, Fixtures.SCHED_CLASS);
        jar.put("io/hotvisor/sched/Credit2.class", Fixtures.classNamingNoClass());
        assertRefused(PayloadError.BAD_CLASS_FILE, () -> reader.verify(handmade(Fixtures.jar(jar)), trust));
    }

    @Test
    void aClassInsideTheJarDeclaringAnotherClassIsANameMismatchNamingTheJarEntry() {
        Map<String, byte[]> jar = Fixtures.bundleJarEntries(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_TO, Fixtures.SCHED_CLASS);
        jar.put("io/hotvisor/sched/Credit2.class", Fixtures.classBytes("io.hotvisor.sched.Null", 1));
        PayloadException e = assertRefused(PayloadError.CLASS_NAME_MISMATCH,
                () -> reader.verify(handmade(Fixtures.jar(jar)), trust));
        assertThat(e.getMessage()).contains("io/hotvisor/sched/Credit2.class", "io/hotvisor/sched/Null", SCHED_JAR);
    }

    @Test
    void aJarChangedAfterSigningIsADigestMismatchNamingTheEntry() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(handmade(Fixtures.schedChange().jar())));
        byte[] changed = entries.get(SCHED_JAR).clone();
        changed[changed.length - 1] ^= 1;
        entries.put(SCHED_JAR, changed);
        byte[] payload = Fixtures.zip(Fixtures.resign(entries, key));
        assertThat(assertRefused(PayloadError.DIGEST_MISMATCH, () -> reader.verify(payload, trust)).getMessage())
                .contains(SCHED_JAR);
    }

    @Test
    void aMissingOrUnlistedJarIsRefused() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(handmade(Fixtures.schedChange().jar())));
        byte[] jar = entries.remove(SCHED_JAR);
        assertRefused(PayloadError.MISSING_ENTRY, () -> reader.verify(Fixtures.zip(Fixtures.resign(entries, key)), trust));
        entries.put("bundles/io.hotvisor.sched_0.1.0.u2.jar", jar);
        assertRefused(PayloadError.UNLISTED_ENTRY, () -> reader.verify(Fixtures.zip(Fixtures.resign(entries, key)), trust));
    }

    @Test
    void aSignedBundleUpdateDeclaringFormat10IsRefusedAsAnUnsupportedKind() {
        byte[] jar = Fixtures.schedChange().jar();
        byte[] payload = handmade(new FormatVersion(1, 0), List.of(schedEntry(jar)), Map.of(SCHED_JAR, jar));
        assertRefused(PayloadError.UNSUPPORTED_KIND, () -> reader.verify(payload, trust));
    }

    private static BundleEntry schedEntry(byte[] jar) {
        return new BundleEntry(Fixtures.SCHED_BUNDLE, Fixtures.SCHED_FROM, Fixtures.SCHED_TO, Sha256.of(jar));
    }

    /** A signed bundle-update of the scheduler bundle whose jar is {@code jar}, unchecked. */
    private byte[] handmade(byte[] jar) {
        return handmade(schedEntry(jar), jar);
    }

    private byte[] handmade(BundleEntry entry, byte[] jar) {
        return handmade(PayloadKind.BUNDLE_UPDATE.formatVersion(), List.of(entry), Map.of(entry.entryName(), jar));
    }

    private byte[] handmade(FormatVersion version, List<BundleEntry> bundles, Map<String, byte[]> jars) {
        BuildId id = Manifest.computePayloadBuildId(PayloadKind.BUNDLE_UPDATE, Fixtures.TARGET, null, List.of(),
                List.of(), bundles);
        Manifest m = new Manifest(version, PayloadKind.BUNDLE_UPDATE, "handmade", id, Fixtures.TARGET, null,
                key.keyId(), List.of(), List.of(), bundles, Metadata.EMPTY);
        Map<String, byte[]> entries = new LinkedHashMap<>(jars);
        entries.put("patch.json", ManifestCodec.write(m));
        return Fixtures.zip(Fixtures.resign(entries, key));
    }
}
