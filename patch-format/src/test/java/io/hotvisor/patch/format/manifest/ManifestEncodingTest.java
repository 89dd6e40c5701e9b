package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.payload.Fixtures;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.payload.PayloadWriter;
import org.junit.jupiter.api.Test;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static io.hotvisor.patch.format.payload.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** README, "Manifest": UTF-8 only, no byte order mark, kinds exactly as spelled. */
class ManifestEncodingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String validText() throws Exception {
        byte[] json = ManifestCodec.write(new PayloadReader().inspect(PayloadWriter.write(Fixtures.draft("fix-1", 2), Fixtures.key(1))).manifest());
        return new String(json, StandardCharsets.UTF_8);
    }

    private static PayloadException refused(PayloadError code, byte[] json) {
        return assertRefused(code, () -> ManifestCodec.read(json));
    }

    @Test
    void theCanonicalUtf8FormIsAccepted() throws Exception {
        assertEquals("fix-1", ManifestCodec.read(validText().getBytes(StandardCharsets.UTF_8)).name());
    }

    @Test
    void aByteOrderMarkIsRefused() throws Exception {
        byte[] text = validText().getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[text.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(text, 0, withBom, 3, text.length);
        PayloadException e = refused(PayloadError.BAD_MANIFEST, withBom);
        assertTrue(e.getMessage().contains("byte order mark"), e.getMessage());
    }

    @Test
    void utf16AndUtf32AreRefusedWithOrWithoutAByteOrderMark() throws Exception {
        for (String charset : new String[] {"UTF-16", "UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"}) {
            PayloadException e = refused(PayloadError.BAD_MANIFEST, validText().getBytes(Charset.forName(charset)));
            assertTrue(e.getMessage().contains("is UTF-16 or UTF-32"), charset + ": " + e.getMessage());
        }
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedNamingTheOffset() throws Exception {
        byte[] text = validText().getBytes(StandardCharsets.UTF_8);
        int at = validText().indexOf("fix-1");
        byte[] bad = Arrays.copyOf(text, text.length);
        bad[at] = (byte) 0xC3; // a lead byte followed by ASCII
        PayloadException e = refused(PayloadError.BAD_MANIFEST, bad);
        assertTrue(e.getMessage().contains("is not valid UTF-8 (at byte " + at + ")"), e.getMessage());
    }

    @Test
    void aKindWithControlCharactersOrSpacesAroundItIsNotTrimmedIntoAValidOne() throws Exception {
        for (String kind : new String[] {"livepatch\u0001", " livepatch", "livepatch\t", "\u0000livepatch"}) {
            ObjectNode tree = (ObjectNode) JSON.readTree(validText());
            tree.put("kind", kind);
            PayloadException e = refused(PayloadError.UNSUPPORTED_KIND, JSON.writeValueAsBytes(tree));
            assertTrue(e.getMessage().startsWith("patch.json: kind: payload kind '"), e.getMessage());
        }
    }

    @Test
    void aClassKindIsNotTrimmedEither() throws Exception {
        ObjectNode tree = (ObjectNode) JSON.readTree(validText());
        ((ObjectNode) tree.get("classes").get(0)).put("kind", "redefine\u001f");
        PayloadException e = refused(PayloadError.UNSUPPORTED_KIND, JSON.writeValueAsBytes(tree));
        assertTrue(e.getMessage().startsWith("patch.json: classes[0].kind: class kind 'redefine"), e.getMessage());
    }
}
