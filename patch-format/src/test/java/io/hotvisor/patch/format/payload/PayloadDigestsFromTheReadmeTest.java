package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.sign.SigningKey;
import io.hotvisor.patch.format.sign.TrustStore;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The payload build-id and the canonical digest, recomputed from the README's definitions
 * ("Canonical encoding", "Canonical digest", "Payload build-id") without the production encoder,
 * for a livepatch and a bundle-update; and a livepatch pinned to the bytes format 1.0 wrote.
 */
class PayloadDigestsFromTheReadmeTest {
    private static final Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    /** The hook phases in the order of the README's phase table. */
    private static final List<String> PHASES = List.of("pre-apply", "apply", "post-apply", "pre-revert", "revert",
            "post-revert");

    private final SigningKey key = Fixtures.key(1);
    private final TrustStore trust = TrustStore.of(List.of(key.publicKey()));

    /** The README's encoding: tags, u32s and length-prefixed strings and bytes. */
    private static final class Encoding {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Encoding(String tag) {
            out.writeBytes(tag.getBytes(StandardCharsets.US_ASCII));
            out.write(0);
        }

        Encoding u32(int n) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(n).array());
            return this;
        }

        Encoding str(String s) {
            return bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        Encoding bytes(byte[] b) {
            u32(b.length);
            out.writeBytes(b);
            return this;
        }

        byte[] sha256() throws Exception {
            return MessageDigest.getInstance("SHA-256").digest(out.toByteArray());
        }
    }

    private static String payloadBuildIdFromTheReadme(Manifest m) throws Exception {
        Encoding e = new Encoding("hotvisor-payload-build-id-v1").str(m.kind().jsonName()).str(m.targetBuildId().hex())
                .str(m.dependsOn() == null ? "" : m.dependsOn().hex());
        List<ClassEntry> classes = new ArrayList<>(m.classes());
        classes.sort(Comparator.comparing(ClassEntry::bundle, UTF8_ORDER)
                .thenComparing(ClassEntry::bundleVersion, UTF8_ORDER).thenComparing(ClassEntry::className, UTF8_ORDER));
        e.u32(classes.size());
        for (ClassEntry c : classes) {
            e.str(c.bundle()).str(c.bundleVersion()).str(c.className()).str(c.kind().jsonName())
                    .str(c.expectedSha256() == null ? "" : c.expectedSha256().hex()).str(c.newSha256().hex());
        }
        List<Hook> hooks = new ArrayList<>(m.hooks());
        hooks.sort(Comparator.comparing(h -> PHASES.indexOf(h.phase().jsonName())));
        e.u32(hooks.size());
        for (Hook h : hooks) {
            e.str(h.phase().jsonName()).str(h.bundle()).str(h.className()).str(h.method());
        }
        if (m.kind().jsonName().equals("bundle-update")) {
            List<BundleEntry> bundles = new ArrayList<>(m.bundles());
            bundles.sort(Comparator.comparing(BundleEntry::bundle, UTF8_ORDER));
            e.u32(bundles.size());
            for (BundleEntry b : bundles) {
                e.str(b.bundle()).str(b.fromVersion()).str(b.toVersion()).str(b.newSha256().hex());
            }
        }
        return HexFormat.of().formatHex(e.sha256());
    }

    private static byte[] digestFromTheReadme(Map<String, byte[]> entries) throws Exception {
        List<String> names = new ArrayList<>(entries.keySet());
        names.remove("patch.sig");
        names.sort(UTF8_ORDER);
        Encoding e = new Encoding("hotvisor-payload-digest-v1").u32(names.size());
        for (String name : names) {
            e.str(name).bytes(entries.get(name));
        }
        return e.sha256();
    }

    private void assertBothDigestsFollowTheReadme(byte[] bytes) throws Exception {
        Payload payload = new PayloadReader().verify(bytes, trust);
        assertThat(payload.manifest().payloadBuildId().hex()).isEqualTo(payloadBuildIdFromTheReadme(payload.manifest()));
        Map<String, byte[]> entries = Fixtures.entries(bytes);
        byte[] digest = digestFromTheReadme(entries);
        assertThat(payload.digest().hex()).isEqualTo(HexFormat.of().formatHex(digest));
        Signature ed25519 = Signature.getInstance("Ed25519");
        ed25519.initVerify(key.publicKey());
        ed25519.update(digest);
        assertThat(ed25519.verify(entries.get("patch.sig"))).as("patch.sig signs the 32 digest bytes").isTrue();
    }

    @Test
    void aLivepatchsPayloadBuildIdAndDigestAreTheReadmeEncodings() throws Exception {
        assertBothDigestsFollowTheReadme(PayloadWriter.write(Fixtures.draft("fix-1", 3), key));
    }

    @Test
    void aBundleUpdatesPayloadBuildIdAndDigestAreTheReadmeEncodings() throws Exception {
        assertBothDigestsFollowTheReadme(PayloadWriter.write(Fixtures.bundleDraft("update-1"), key));
    }

    @Test
    void aLivepatchIsWrittenByteForByteAsFormat10WroteIt() throws Exception {
        // The SHA-256 of this payload as the format 1.0 writer produced it, before bundle-update existed.
        assertThat(Sha256.of(PayloadWriter.write(Fixtures.draft("fix-2", 2), key)).hex())
                .isEqualTo("cc1dd8e56e2bb8ca4d6db2e20eeee768b3f2bd72ded6a33a16e42c2c76793c67");
    }
}
