package io.hotvisor.patch.format;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BuildIdTest {
    private static final ClassImage A = new ClassImage("io.hotvisor.runtime", "0.1.0", "io.hotvisor.runtime.A", new byte[] {1, 2});
    private static final ClassImage B = new ClassImage("io.hotvisor.runtime", "0.1.0", "io.hotvisor.runtime.B", new byte[] {3});
    private static final ClassImage C = new ClassImage("io.hotvisor.sched", "0.1.0", "io.hotvisor.sched.C", new byte[0]);

    /** The README's definition, written out independently of the implementation. */
    private static String recomputeFromTheReadme(List<ClassImage> sortedByTheReadme) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("hotvisor-build-id-v1".getBytes(StandardCharsets.US_ASCII));
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(sortedByTheReadme.size()).array());
        for (ClassImage image : sortedByTheReadme) {
            for (String s : List.of(image.bundle(), image.bundleVersion(), image.className())) {
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                out.writeBytes(ByteBuffer.allocate(4).putInt(utf8.length).array());
                out.writeBytes(utf8);
            }
            out.writeBytes(ByteBuffer.allocate(4).putInt(image.bytes().length).array());
            out.writeBytes(image.bytes());
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
    }

    @Test
    void buildIdIsTheReadmeEncodingHashedInBundleVersionClassOrder() throws Exception {
        assertEquals(recomputeFromTheReadme(List.of(A, B, C)), BuildId.compute(List.of(C, A, B)).hex());
    }

    @Test
    void inputOrderDoesNotMatter() {
        assertEquals(BuildId.compute(List.of(A, B, C)), BuildId.compute(List.of(C, B, A)));
    }

    @Test
    void anyChangedByteChangesTheBuildId() {
        ClassImage b2 = new ClassImage(B.bundle(), B.bundleVersion(), B.className(), new byte[] {4});
        assertNotEquals(BuildId.compute(List.of(A, B)), BuildId.compute(List.of(A, b2)));
    }

    @Test
    void lengthPrefixesKeepFieldBoundariesApart() {
        ClassImage x = new ClassImage("ab", "1", "c.D", new byte[0]);
        ClassImage y = new ClassImage("a", "b1", "c.D", new byte[0]);
        assertNotEquals(BuildId.compute(List.of(x)), BuildId.compute(List.of(y)));
    }

    @Test
    void theSameClassTwiceIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BuildId.compute(List.of(A, A)));
    }

    @Test
    void theEmptySetHasABuildIdToo() throws Exception {
        assertEquals(recomputeFromTheReadme(List.of()), BuildId.compute(List.of()).hex());
    }

    @Test
    void parseAcceptsOnlyLowercaseHex() {
        assertEquals("ab".repeat(32), BuildId.parse("ab".repeat(32)).hex());
        assertThrows(IllegalArgumentException.class, () -> BuildId.parse("AB".repeat(32)));
        assertThrows(IllegalArgumentException.class, () -> BuildId.parse("ab"));
    }
}
