package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.sign.SigningKey;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static io.hotvisor.patch.format.payload.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PayloadWriterTest {
    private final SigningKey key = Fixtures.key(1);

    @Test
    void sameDraftAndKeyGiveByteIdenticalPayloads() throws Exception {
        assertArrayEquals(PayloadWriter.write(Fixtures.draft("fix-1", 3), key),
                PayloadWriter.write(Fixtures.draft("fix-1", 3), key));
    }

    @Test
    void orderOfClassesAndHooksInTheDraftDoesNotChangeTheBytes() throws Exception {
        PayloadDraft draft = Fixtures.draft("fix-1", 5);
        List<ClassChange> classes = new ArrayList<>(draft.classes());
        Collections.reverse(classes);
        List<io.hotvisor.patch.format.manifest.Hook> hooks = new ArrayList<>(draft.hooks());
        Collections.reverse(hooks);
        PayloadDraft shuffled = new PayloadDraft(draft.name(), draft.targetBuildId(), draft.dependsOn(), classes,
                hooks, draft.metadata());
        assertArrayEquals(PayloadWriter.write(draft, key), PayloadWriter.write(shuffled, key));
    }

    @Test
    void entriesAreSortedStoredAndCarryTheFixedTimestamp() throws Exception {
        byte[] payload = PayloadWriter.write(Fixtures.draft("fix-1", 2), key);
        List<String> names = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(payload))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                names.add(e.getName());
                assertEquals(ZipEntry.STORED, e.getMethod(), e.getName());
                assertEquals(java.time.LocalDateTime.of(1980, 1, 1, 0, 0), e.getTimeLocal(), e.getName());
                assertEquals(null, e.getExtra(), e.getName());
            }
        }
        assertEquals(List.of(
                "classes/io.hotvisor.runtime/io/hotvisor/runtime/sched/Credit2$Part0.class",
                "classes/io.hotvisor.runtime/io/hotvisor/runtime/sched/Credit2$Part1.class",
                "classes/io.hotvisor.runtime/io/hotvisor/runtime/sched/Fix1Hooks.class",
                "patch.json", "patch.sig"), names);
    }

    @Test
    void manifestIsCanonicalJsonWithLineFeeds() throws Exception {
        byte[] payload = PayloadWriter.write(Fixtures.draft("fix-1", 1), key);
        String json = new String(Fixtures.entries(payload).get("patch.json"), StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\n  \"format-version\" : \"1.0\",\n  \"kind\" : \"livepatch\",\n  \"name\" : \"fix-1\""),
                json);
        assertTrue(json.endsWith("}\n"));
        assertTrue(!json.contains("\r"));
        assertTrue(!json.contains("depends-on"), "absent optional fields are omitted");
    }

    @Test
    void classBytesThatAreNotAClassFileAreRefused() {
        PayloadDraft draft = new PayloadDraft("bad", Fixtures.TARGET, null, List.of(ClassChange.define(
                new ClassImage(Fixtures.BUNDLE, Fixtures.VERSION, "a.B", new byte[] {1, 2, 3}))), List.of(),
                Metadata.EMPTY);
        assertRefused(PayloadError.BAD_CLASS_FILE, () -> PayloadWriter.write(draft, key));
    }

    @Test
    void classBytesDeclaringAnotherClassAreRefused() {
        PayloadDraft draft = new PayloadDraft("bad", Fixtures.TARGET, null, List.of(ClassChange.define(
                new ClassImage(Fixtures.BUNDLE, Fixtures.VERSION, "a.B", Fixtures.classBytes("a.C", 1)))), List.of(),
                Metadata.EMPTY);
        assertRefused(PayloadError.CLASS_NAME_MISMATCH, () -> PayloadWriter.write(draft, key));
    }

    @Test
    void aDraftWithNeitherClassesNorHooksIsRefused() {
        PayloadDraft draft = new PayloadDraft("empty", Fixtures.TARGET, null, List.of(), List.of(), Metadata.EMPTY);
        assertTrue(assertRefused(PayloadError.BAD_MANIFEST, () -> PayloadWriter.write(draft, key))
                .getMessage().contains("nothing to patch"));
    }

    @Test
    void aBadNameIsRefusedNamingTheField() {
        PayloadDraft good = Fixtures.draft("x", 1);
        PayloadDraft draft = new PayloadDraft("../etc", good.targetBuildId(), null, good.classes(), good.hooks(),
                good.metadata());
        assertTrue(assertRefused(PayloadError.BAD_MANIFEST, () -> PayloadWriter.write(draft, key))
                .getMessage().startsWith("patch.json: name: '../etc'"));
    }
}
