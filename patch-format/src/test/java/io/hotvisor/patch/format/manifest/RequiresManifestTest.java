package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.payload.Fixtures;
import io.hotvisor.patch.format.payload.Payload;
import io.hotvisor.patch.format.payload.PayloadDraft;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.payload.PayloadWriter;
import io.hotvisor.patch.format.sign.SigningKey;
import io.hotvisor.patch.format.sign.TrustStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static io.hotvisor.patch.format.payload.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

/** The manifest's {@code requires} field (format 1.2): written only when needed, read strictly, signed, not in the build-id. */
class RequiresManifestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SigningKey KEY = Fixtures.key(1);

    private static PayloadDraft trampolineDraft() {
        return Fixtures.draft("fix-1", 2).withRequires(Set.of(Requirement.TRAMPOLINE));
    }

    private static Payload read(PayloadDraft draft) throws Exception {
        return new PayloadReader().verify(PayloadWriter.write(draft, KEY), TrustStore.of(List.of(KEY.publicKey())));
    }

    /** Reads the manifest of a trampoline payload after {@code edit} changed its JSON tree. */
    private static Manifest readEdited(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode tree = (ObjectNode) JSON.readTree(ManifestCodec.write(read(trampolineDraft()).manifest()));
        edit.accept(tree);
        return ManifestCodec.read(JSON.writeValueAsBytes(tree));
    }

    private static String refused(Consumer<ObjectNode> edit) {
        return assertRefused(PayloadError.BAD_MANIFEST, () -> readEdited(edit)).getMessage();
    }

    @Test
    void aPayloadThatRequiresATrampolineDeclaresFormat12AndSaysSoAfterItsKind() throws Exception {
        Manifest m = read(trampolineDraft()).manifest();
        assertThat(m.formatVersion()).isEqualTo(new FormatVersion(1, 2));
        assertThat(m.requires()).containsExactly(Requirement.TRAMPOLINE);
        assertThat(m.requires(Requirement.TRAMPOLINE)).isTrue();
        String json = new String(ManifestCodec.write(m), StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\n  \"format-version\" : \"1.2\",\n  \"kind\" : \"livepatch\",\n"
                + "  \"requires\" : [\n    \"trampoline\"\n  ],\n  \"name\" : \"fix-1\",\n");
        assertThat(ManifestCodec.write(ManifestCodec.read(ManifestCodec.write(m)))).isEqualTo(ManifestCodec.write(m));
    }

    @Test
    void aPayloadThatRequiresNothingIsWrittenAsBeforeTheField() throws Exception {
        Manifest m = read(Fixtures.draft("fix-1", 2)).manifest();
        assertThat(m.formatVersion()).isEqualTo(new FormatVersion(1, 0));
        assertThat(m.requires()).isEmpty();
        assertThat(new String(ManifestCodec.write(m), StandardCharsets.UTF_8)).doesNotContain("requires");
        // An empty requirement set is the same draft as none: byte for byte the same payload.
        assertThat(PayloadWriter.write(Fixtures.draft("fix-1", 2).withRequires(Set.of()), KEY))
                .isEqualTo(PayloadWriter.write(Fixtures.draft("fix-1", 2), KEY));
        Manifest update = read(Fixtures.bundleDraft("update-1")).manifest();
        assertThat(update.formatVersion()).isEqualTo(new FormatVersion(1, 1));
        assertThat(new String(ManifestCodec.write(update), StandardCharsets.UTF_8)).doesNotContain("requires");
    }

    @Test
    void theRequirementIsSignedButNotPartOfThePayloadBuildId() throws Exception {
        Payload with = read(trampolineDraft());
        Payload without = read(Fixtures.draft("fix-1", 2));
        assertThat(with.manifest().payloadBuildId()).isEqualTo(without.manifest().payloadBuildId());
        assertThat(with.digest()).isNotEqualTo(without.digest());
        // Dropping the field from a signed payload (to get it past a host) breaks the signature.
        Manifest m = with.manifest();
        Manifest stripped = new Manifest(m.formatVersion(), m.kind(), m.name(), m.payloadBuildId(), m.targetBuildId(),
                m.dependsOn(), m.signingKey(), m.classes(), m.hooks(), m.bundles(), m.metadata(), List.of());
        Map<String, byte[]> entries = new LinkedHashMap<>(Fixtures.entries(PayloadWriter.write(trampolineDraft(), KEY)));
        entries.put("patch.json", ManifestCodec.write(stripped));
        assertRefused(PayloadError.SIGNATURE_INVALID, () -> new PayloadReader()
                .verify(Fixtures.zip(entries), TrustStore.of(List.of(KEY.publicKey()))));
    }

    @Test
    void anEmptyOrNullRequiresIsRefusedForItsOneSpellingIsAbsence() {
        assertThat(refused(t -> t.putArray("requires"))).startsWith("patch.json: requires: is empty; leave the field out");
        assertThat(refused(t -> t.putNull("requires"))).startsWith("patch.json: requires: is null; leave the field out");
    }

    @Test
    void aRequirementThisReaderDoesNotKnowIsRefusedNamingTheOnesItKnows() {
        assertThat(refused(t -> t.putArray("requires").add("quantum"))).isEqualTo("patch.json: requires[0]: 'quantum' is not a "
                + "requirement this reader knows (it knows trampoline), so it cannot provide it; use a hvpatch and host that support it");
        // Spelled exactly: nothing is trimmed off a value.
        assertThat(refused(t -> t.putArray("requires").add(" trampoline"))).startsWith("patch.json: requires[0]: ' trampoline' is not");
        assertThat(refused(t -> t.putArray("requires").add("TRAMPOLINE"))).startsWith("patch.json: requires[0]: 'TRAMPOLINE' is not");
    }

    @Test
    void anUnknownRequirementIsRefusedUnderANewerMinorVersionToo() throws Exception {
        // A newer minor's unknown fields are ignored, but never a requirement: the host could not provide it.
        assertThat(refused(t -> {
            t.put("format-version", "1.7");
            t.putArray("requires").add("trampoline").add("quantum");
        })).startsWith("patch.json: requires[1]: 'quantum' is not a requirement this reader knows");
        assertThat(readEdited(t -> t.put("format-version", "1.7")).requires()).containsExactly(Requirement.TRAMPOLINE);
    }

    @Test
    void wrongTypesAndRepeatsAreRefused() {
        assertThat(refused(t -> t.put("requires", "trampoline"))).startsWith("patch.json: requires: wrong type: expected an array");
        assertThat(refused(t -> t.putArray("requires").add(1))).startsWith("patch.json: requires[0]: ");
        assertThat(refused(t -> t.putArray("requires").addNull())).startsWith("patch.json: requires[0]: is required");
        assertThat(refused(t -> t.putArray("requires").add("trampoline").add("trampoline")))
                .isEqualTo("patch.json: requires[1]: 'trampoline' is listed twice");
    }

    @Test
    void aRequirementUnderAnOlderFormatVersionIsRefusedAsThatVersionsReaderWould() {
        for (String older : new String[] {"1.0", "1.1"}) {
            assertThat(refused(t -> t.put("format-version", older))).isEqualTo("patch.json: requires[0]: requirement 'trampoline' "
                    + "is defined from format 1.2 on, but the manifest declares format " + older
                    + "; rebuild the payload with a hvpatch that writes format 1.2");
        }
    }

    @Test
    void aBundleUpdateRequiresNoTrampoline() {
        PayloadException e = assertRefused(PayloadError.BAD_MANIFEST, () -> PayloadWriter.write(
                Fixtures.bundleDraft("update-1").withRequires(Set.of(Requirement.TRAMPOLINE)), KEY));
        assertThat(e.getMessage()).isEqualTo("patch.json: requires[0]: a bundle-update payload replaces whole bundles and "
                + "needs no trampoline; remove the field");
    }
}
