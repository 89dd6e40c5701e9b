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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import static io.hotvisor.patch.format.payload.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

/** The manifest of a bundle-update payload (README, "Top level", "Bundle entry", "Version policy"). */
class BundleManifestTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Manifest bundleUpdate() throws Exception {
        return new PayloadReader().inspect(PayloadWriter.write(Fixtures.bundleDraft("update-1"), Fixtures.key(1)))
                .manifest();
    }

    private static Manifest livepatch() throws Exception {
        return new PayloadReader().inspect(PayloadWriter.write(Fixtures.draft("fix-1", 1), Fixtures.key(1)))
                .manifest();
    }

    /** Reads {@code manifest} after {@code edit} changed its JSON tree. */
    private static Manifest readEdited(Manifest manifest, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode tree = (ObjectNode) JSON.readTree(ManifestCodec.write(manifest));
        edit.accept(tree);
        return ManifestCodec.read(JSON.writeValueAsBytes(tree));
    }

    private static PayloadException refused(PayloadError code, Consumer<ObjectNode> edit) {
        return assertRefused(code, () -> readEdited(bundleUpdate(), edit));
    }

    private static ObjectNode firstBundle(ObjectNode tree) {
        return (ObjectNode) tree.get("bundles").get(0);
    }

    @Test
    void aBundleUpdateManifestIsFormat11WithItsBundlesAfterTheHooksSortedByBundle() throws Exception {
        Manifest m = bundleUpdate();
        String json = new String(ManifestCodec.write(m), StandardCharsets.UTF_8);
        assertThat(m.formatVersion()).isEqualTo(new FormatVersion(1, 1));
        assertThat(m.kind()).isEqualTo(PayloadKind.BUNDLE_UPDATE);
        assertThat(m.classes()).isEmpty();
        assertThat(m.hooks()).isEmpty();
        assertThat(m.bundles()).extracting(BundleEntry::bundle).containsExactly("io.hotvisor.console", "io.hotvisor.sched");
        assertThat(json).startsWith("{\n  \"format-version\" : \"1.1\",\n  \"kind\" : \"bundle-update\",\n");
        assertThat(json).containsSubsequence("  \"hooks\" : [ ],\n  \"bundles\" : [\n    {\n"
                + "      \"bundle\" : \"io.hotvisor.console\",\n      \"from-version\" : \"1.2\",\n"
                + "      \"to-version\" : \"1.10.0\",\n      \"new-sha256\" : ", "\"io.hotvisor.sched\"", "  \"metadata\" : {");
    }

    @Test
    void writeThenReadGivesTheSameBundleUpdateManifestAndTheSameBytes() throws Exception {
        Manifest m = bundleUpdate();
        byte[] json = ManifestCodec.write(m);
        assertThat(ManifestCodec.read(json)).isEqualTo(m);
        assertThat(ManifestCodec.write(ManifestCodec.read(json))).isEqualTo(json);
    }

    @Test
    void aLivepatchManifestHasNoBundlesFieldAndAnEmptyBundleList() throws Exception {
        Manifest m = livepatch();
        assertThat(m.bundles()).isEmpty();
        assertThat(new String(ManifestCodec.write(m), StandardCharsets.UTF_8)).doesNotContain("bundles");
    }

    @Test
    void aBundleEntryNamesItsJarByBundleAndNewVersion() {
        assertThat(BundleEntry.entryName("io.hotvisor.sched", "0.1.0.u1")).isEqualTo("bundles/io.hotvisor.sched_0.1.0.u1.jar");
    }

    @Test
    void aBundleUpdateDeclaringFormat10IsRefusedAsAnUnsupportedKind() {
        PayloadException e = refused(PayloadError.UNSUPPORTED_KIND, t -> t.put("format-version", "1.0"));
        assertThat(e.getMessage()).contains("'bundle-update'", "1.1", "1.0", "livepatch");
    }

    @Test
    void aKindThisReaderDoesNotKnowIsRefusedNamingTheKindsItKnows() {
        PayloadException e = refused(PayloadError.UNSUPPORTED_KIND, t -> t.put("kind", "module-update"));
        assertThat(e.getMessage()).contains("'module-update'", "livepatch, bundle-update");
    }

    @Test
    void aBundleUpdateUnderANewerMinorVersionIsReadAndItsNewFieldsIgnored() throws Exception {
        Manifest m = readEdited(bundleUpdate(), t -> {
            t.put("format-version", "1.4");
            firstBundle(t).put("added-in-1-4", true);
        });
        assertThat(m.kind()).isEqualTo(PayloadKind.BUNDLE_UPDATE);
        assertThat(m.bundles()).hasSize(2);
    }

    @Test
    void aBundleUpdateWithClassesIsRefused() throws Exception {
        ObjectNode aClass = (ObjectNode) JSON.readTree(ManifestCodec.write(livepatch())).get("classes").get(0);
        PayloadException e = refused(PayloadError.BAD_MANIFEST, t -> ((ArrayNode) t.get("classes")).add(aClass));
        assertThat(e.getMessage()).startsWith("patch.json: classes: a bundle-update payload carries no classes");
    }

    @Test
    void aBundleUpdateWithHooksIsRefused() throws Exception {
        ObjectNode aHook = (ObjectNode) JSON.readTree(ManifestCodec.write(livepatch())).get("hooks").get(0);
        PayloadException e = refused(PayloadError.BAD_MANIFEST, t -> ((ArrayNode) t.get("hooks")).add(aHook));
        assertThat(e.getMessage()).startsWith("patch.json: hooks: a bundle-update payload has no hooks");
    }

    @Test
    void aBundleUpdateWithoutBundlesHasNothingToPatch() {
        assertThat(refused(PayloadError.BAD_MANIFEST, t -> t.remove("bundles")).getMessage()).contains("nothing to patch");
        assertThat(refused(PayloadError.BAD_MANIFEST, t -> t.putArray("bundles")).getMessage()).contains("nothing to patch");
    }

    @Test
    void bundlesOnALivepatchAreRefusedEvenWhenEmptyOrNull() throws Exception {
        ObjectNode bundles = (ObjectNode) JSON.readTree(ManifestCodec.write(bundleUpdate()));
        for (Consumer<ObjectNode> edit : java.util.List.<Consumer<ObjectNode>>of(
                t -> t.set("bundles", bundles.get("bundles")), t -> t.putArray("bundles"), t -> t.putNull("bundles"))) {
            PayloadException e = assertRefused(PayloadError.BAD_MANIFEST, () -> readEdited(livepatch(), edit));
            assertThat(e.getMessage()).startsWith("patch.json: bundles: a livepatch payload replaces no bundles");
        }
    }

    @Test
    void aBundleListedTwiceIsRefused() {
        PayloadException e = refused(PayloadError.BAD_MANIFEST,
                t -> ((ArrayNode) t.get("bundles")).add(firstBundle(t).deepCopy()));
        assertThat(e.getMessage()).contains("bundles[2]", "io.hotvisor.console", "listed twice");
    }

    @Test
    void twoBundlesWhoseJarsWouldShareAnEntryNameAreRefused() {
        PayloadException e = refused(PayloadError.BAD_MANIFEST, t -> {
            firstBundle(t).put("bundle", "a_1.0.0.q").put("from-version", "1").put("to-version", "2");
            ((ObjectNode) t.get("bundles").get(1)).put("bundle", "a").put("from-version", "1").put("to-version", "1.0.0.q_2");
        });
        assertThat(e.getMessage()).contains("bundles/a_1.0.0.q_2.jar");
    }

    @ParameterizedTest(name = "{0} -> {1} is refused")
    @CsvSource({"1.0.0, 1.0.0", "1.0, 1.0.0", "1, 1.0.0", "1.0.1, 1.0.0", "1.10, 1.9", "2, 1.999999999",
            "1.0.0.b, 1.0.0.a", "1.0.0.a, 1.0.0", "1.0.0.a, 1.0.0.A"})
    void aToVersionNotGreaterThanItsFromVersionIsRefused(String from, String to) {
        PayloadException e = refused(PayloadError.BAD_MANIFEST,
                t -> firstBundle(t).put("from-version", from).put("to-version", to));
        assertThat(e.getMessage()).startsWith("patch.json: bundles[0].to-version: ").contains(from, to);
    }

    @ParameterizedTest(name = "{0} -> {1} is accepted")
    @CsvSource({"1.0.0, 1.0.0.u1", "1.9, 1.10", "0.9.9, 1", "1.0.0.A, 1.0.0.a", "1.0.0.u1, 1.0.0.u2", "1.0.0.u9, 1.0.0.v"})
    void aToVersionGreaterInOsgiOrderIsAccepted(String from, String to) throws Exception {
        Manifest m = readEdited(bundleUpdate(), t -> firstBundle(t).put("from-version", from).put("to-version", to));
        assertThat(m.bundles().get(0).toVersion()).isEqualTo(to);
    }

    @Test
    void bundleEntryFieldsFollowTheirGrammars() {
        refused(PayloadError.BAD_MANIFEST, t -> firstBundle(t).put("bundle", "io/hotvisor"));
        refused(PayloadError.BAD_MANIFEST, t -> firstBundle(t).put("from-version", "1.x"));
        refused(PayloadError.BAD_MANIFEST, t -> firstBundle(t).put("to-version", "2.0.0.u 1"));
        refused(PayloadError.BAD_MANIFEST, t -> firstBundle(t).put("new-sha256", "00"));
        assertThat(refused(PayloadError.BAD_MANIFEST, t -> firstBundle(t).remove("from-version")).getMessage())
                .contains("bundles[0].from-version");
        assertThat(refused(PayloadError.BAD_MANIFEST, t -> firstBundle(t).put("priority", 1)).getMessage())
                .contains("bundles[0].priority");
    }
}
