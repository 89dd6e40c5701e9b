package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.payload.Fixtures;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.payload.PayloadWriter;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import static io.hotvisor.patch.format.payload.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Manifest valid() throws Exception {
        return new PayloadReader().inspect(PayloadWriter.write(Fixtures.draft("fix-1", 2), Fixtures.key(1))).manifest();
    }

    /** Reads the valid manifest after {@code edit} changed its JSON tree. */
    private static Manifest readEdited(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode tree = (ObjectNode) JSON.readTree(ManifestCodec.write(valid()));
        edit.accept(tree);
        return ManifestCodec.read(JSON.writeValueAsBytes(tree));
    }

    private static PayloadException refused(PayloadError code, Consumer<ObjectNode> edit) {
        return assertRefused(code, () -> readEdited(edit));
    }

    private static ObjectNode firstClass(ObjectNode tree) {
        return (ObjectNode) tree.get("classes").get(0);
    }

    @Test
    void writeThenReadGivesTheSameManifestAndTheSameBytes() throws Exception {
        Manifest m = valid();
        byte[] json = ManifestCodec.write(m);
        assertEquals(m, ManifestCodec.read(json));
        assertArrayEquals(json, ManifestCodec.write(ManifestCodec.read(json)));
    }

    @Test
    void anUnknownFieldIsRefusedNamingIt() {
        PayloadException e = refused(PayloadError.BAD_MANIFEST, t -> firstClass(t).put("priority", 1));
        assertTrue(e.getMessage().contains("classes[0].priority"), e.getMessage());
    }

    @Test
    void aNumberWhereAStringBelongsIsRefused() {
        PayloadException e = refused(PayloadError.BAD_MANIFEST, t -> t.put("name", 42));
        assertTrue(e.getMessage().startsWith("patch.json: name:"), e.getMessage());
    }

    @Test
    void aStringWhereAnArrayBelongsIsRefused() {
        refused(PayloadError.BAD_MANIFEST, t -> t.put("hooks", "none"));
    }

    @Test
    void aNumberWhereAKindBelongsIsRefused() {
        refused(PayloadError.BAD_MANIFEST, t -> t.withObject("/metadata").put("compiler-flags", 3));
        assertRefused(PayloadError.BAD_MANIFEST, () -> readEdited(t -> firstClass(t).put("kind", 0)));
    }

    @Test
    void duplicateJsonKeysAreRefused() throws Exception {
        String json = new String(ManifestCodec.write(valid()), StandardCharsets.UTF_8)
                .replaceFirst("\"name\" : \"fix-1\",", "\"name\" : \"fix-1\", \"name\" : \"fix-2\",");
        assertRefused(PayloadError.BAD_MANIFEST, () -> ManifestCodec.read(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void trailingContentAndNonObjectsAreRefused() throws Exception {
        byte[] json = ManifestCodec.write(valid());
        byte[] trailing = (new String(json, StandardCharsets.UTF_8) + "{}").getBytes(StandardCharsets.UTF_8);
        assertRefused(PayloadError.BAD_MANIFEST, () -> ManifestCodec.read(trailing));
        assertRefused(PayloadError.BAD_MANIFEST, () -> ManifestCodec.read("[]".getBytes(StandardCharsets.UTF_8)));
        assertRefused(PayloadError.BAD_MANIFEST, () -> ManifestCodec.read("{".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aNewerMajorVersionIsRefusedNamingBothVersions() {
        PayloadException e = refused(PayloadError.UNSUPPORTED_VERSION, t -> t.put("format-version", "2.0"));
        assertTrue(e.getMessage().contains("2.0") && e.getMessage().contains(FormatVersion.CURRENT.toString()),
                e.getMessage());
    }

    @Test
    void aNewerMinorVersionIsReadAndItsNewFieldsIgnored() throws Exception {
        Manifest m = readEdited(t -> {
            t.put("format-version", "1.7");
            t.put("added-in-1-7", true);
        });
        assertEquals(new FormatVersion(1, 7), m.formatVersion());
    }

    @Test
    void aMalformedVersionIsRefused() {
        refused(PayloadError.BAD_MANIFEST, t -> t.put("format-version", "1"));
        refused(PayloadError.BAD_MANIFEST, t -> t.put("format-version", 1.0));
        refused(PayloadError.BAD_MANIFEST, t -> t.remove("format-version"));
    }

    @Test
    void anUnknownPayloadKindIsRefusedClearly() {
        PayloadException e = refused(PayloadError.UNSUPPORTED_KIND, t -> t.put("kind", "bundle-update"));
        assertTrue(e.getMessage().contains("'bundle-update'") && e.getMessage().contains("livepatch"), e.getMessage());
    }

    @Test
    void anUnknownClassKindIsRefusedClearly() {
        PayloadException e = refused(PayloadError.UNSUPPORTED_KIND, t -> firstClass(t).put("kind", "retransform"));
        assertTrue(e.getMessage().contains("classes[0].kind"), e.getMessage());
    }

    @Test
    void anUnknownHookPhaseIsRefused() {
        refused(PayloadError.BAD_MANIFEST, t -> ((ObjectNode) t.get("hooks").get(0)).put("phase", "load"));
    }

    @Test
    void aMissingRequiredFieldIsRefusedNamingIt() {
        for (String field : new String[] {"kind", "name", "payload-build-id", "target-build-id", "signing-key",
                "classes", "hooks", "metadata"}) {
            PayloadException e = refused(PayloadError.BAD_MANIFEST, t -> t.remove(field));
            assertTrue(e.getMessage().contains(field), e.getMessage());
        }
    }

    @Test
    void namesOutsideTheAllowedAlphabetOrLengthAreRefused() {
        refused(PayloadError.BAD_MANIFEST, t -> t.put("name", ""));
        refused(PayloadError.BAD_MANIFEST, t -> t.put("name", "x".repeat(65)));
        refused(PayloadError.BAD_MANIFEST, t -> t.put("name", "fix 1"));
    }

    @Test
    void malformedDigestsAndKeyIdsAreRefused() {
        refused(PayloadError.BAD_MANIFEST, t -> t.put("target-build-id", "AB".repeat(32)));
        refused(PayloadError.BAD_MANIFEST, t -> firstClass(t).put("new-sha256", "00"));
        refused(PayloadError.BAD_MANIFEST, t -> t.put("signing-key", "rsa:0011223344556677"));
    }

    @Test
    void aRedefineWithoutExpectedHashIsRefused() {
        refused(PayloadError.BAD_MANIFEST, t -> firstClass(t).remove("expected-sha256"));
    }

    @Test
    void aDefineWithAnExpectedHashIsRefused() {
        refused(PayloadError.BAD_MANIFEST, t -> firstClass(t).put("kind", "define"));
    }

    @Test
    void aClassListedTwiceIsRefused() {
        refused(PayloadError.BAD_MANIFEST, t -> ((ArrayNode) t.get("classes")).add(firstClass(t).deepCopy()));
    }

    @Test
    void bundleNamesVersionsAndClassNamesFollowTheirGrammars() {
        refused(PayloadError.BAD_MANIFEST, t -> firstClass(t).put("bundle", "io/hotvisor"));
        refused(PayloadError.BAD_MANIFEST, t -> firstClass(t).put("bundle-version", "1.x"));
        refused(PayloadError.BAD_MANIFEST, t -> firstClass(t).put("class", "io.hotvisor..X"));
        refused(PayloadError.BAD_MANIFEST, t -> firstClass(t).put("class", "io/hotvisor/X"));
    }

    @Test
    void twoHooksForOnePhaseAreRefused() {
        refused(PayloadError.BAD_MANIFEST, t -> ((ArrayNode) t.get("hooks")).add(t.get("hooks").get(0).deepCopy()));
    }

    @Test
    void aHookMethodMustBeAJavaName() {
        refused(PayloadError.BAD_MANIFEST, t -> ((ObjectNode) t.get("hooks").get(0)).put("method", "run()"));
    }

    @Test
    void aManifestWithNeitherClassesNorHooksIsRefused() {
        PayloadException e = refused(PayloadError.BAD_MANIFEST, t -> {
            t.putArray("classes");
            t.putArray("hooks");
        });
        assertTrue(e.getMessage().contains("nothing to patch"), e.getMessage());
    }

    @Test
    void aManifestWithHooksOnlyIsValid() throws Exception {
        assertTrue(readEdited(t -> t.putArray("classes")).classes().isEmpty());
    }

    @Test
    void controlCharactersInMetadataAreRefusedButDescriptionsMayBreakLines() throws Exception {
        refused(PayloadError.BAD_MANIFEST, t -> t.withObject("/metadata").put("author", "evil\u001b[2J"));
        assertEquals("a\nb", readEdited(t -> t.withObject("/metadata").put("description", "a\nb"))
                .metadata().description());
    }

    @Test
    void creationTimeMustBeUtc() {
        refused(PayloadError.BAD_MANIFEST, t -> t.withObject("/metadata").put("created", "2026-01-01T00:00:00+02:00"));
        refused(PayloadError.BAD_MANIFEST, t -> t.withObject("/metadata").put("created", "2026-13-01T00:00:00Z"));
    }

    @Test
    void metadataFieldsAreOptional() throws Exception {
        assertEquals(Metadata.EMPTY, readEdited(t -> t.putObject("metadata")).metadata());
    }
}
