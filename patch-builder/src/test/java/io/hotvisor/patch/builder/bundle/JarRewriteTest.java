package io.hotvisor.patch.builder.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/** The new jar: the replaced packages' classes swapped in place, everything else kept, written the same way every time. */
class JarRewriteTest {
    static final List<JarRewrite.Entry> JAR = List.of(
            entry("META-INF/", ""),
            entry("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n"),
            entry("a/", ""),
            entry("a/Kept.class", "old kept"),
            entry("a/Changed.class", "old changed"),
            entry("a/Gone.class", "old gone"),
            entry("b/Other.class", "other package"),
            entry("META-INF/versions/11/a/Changed.class", "multi-release variant"),
            entry("a/defaults.properties", "x=1"));

    private static JarRewrite.Entry entry(String name, String content) {
        return new JarRewrite.Entry(name, content.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void classesOfTheReplacedPackagesAreSwappedInPlaceAndNewOnesAppended() {
        JarRewrite.Result r = JarRewrite.replaceClasses(JAR, Set.of("a"), Map.of(
                "a.Kept", "old kept".getBytes(StandardCharsets.UTF_8),
                "a.Changed", "new changed".getBytes(StandardCharsets.UTF_8),
                "a.New", "new".getBytes(StandardCharsets.UTF_8),
                "b.Other", "not this package".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.entries()).extracting(e -> e.name() + "=" + new String(e.bytes(), StandardCharsets.UTF_8)).containsExactly(
                "META-INF/=", "META-INF/MANIFEST.MF=Manifest-Version: 1.0\r\n\r\n", "a/=", "a/Kept.class=old kept",
                "a/Changed.class=new changed", "b/Other.class=other package",
                "META-INF/versions/11/a/Changed.class=multi-release variant", "a/defaults.properties=x=1", "a/New.class=new");
        assertThat(r.changed()).containsExactly("a.Changed");
        assertThat(r.added()).containsExactly("a.New");
        assertThat(r.removed()).containsExactly("a.Gone");
    }

    @Test
    void classDigestCoversClassesOnly() {
        List<JarRewrite.Entry> otherManifest = JAR.stream()
                .map(e -> e.name().equals("META-INF/MANIFEST.MF") ? entry(e.name(), "Manifest-Version: 1.0\r\nBundle-Version: 2\r\n\r\n") : e)
                .toList();
        assertThat(JarRewrite.classDigest(otherManifest)).isEqualTo(JarRewrite.classDigest(JAR));
        List<JarRewrite.Entry> otherClass = JAR.stream()
                .map(e -> e.name().equals("a/Kept.class") ? entry(e.name(), "new kept") : e).toList();
        assertThat(JarRewrite.classDigest(otherClass)).isNotEqualTo(JarRewrite.classDigest(JAR));
    }

    @Test
    void writtenJarIsStoredAtTheFixedTimeWithoutExtraFieldsWhateverTheTimeZone() throws Exception {
        TimeZone saved = TimeZone.getDefault();
        byte[] utc;
        byte[] kolkata;
        try {
            TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
            utc = JarRewrite.write(JAR);
            TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
            kolkata = JarRewrite.write(JAR);
        } finally {
            TimeZone.setDefault(saved);
        }
        assertThat(kolkata).isEqualTo(utc);
        assertThat(JarRewrite.read(utc)).extracting(JarRewrite.Entry::name)
                .containsExactlyElementsOf(JAR.stream().map(JarRewrite.Entry::name).toList());
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(utc))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                assertThat(e.getMethod()).as(e.getName()).isEqualTo(ZipEntry.STORED);
                assertThat(e.getExtra()).as(e.getName()).isNull();
                assertThat(e.getTimeLocal()).as(e.getName()).isEqualTo(LocalDateTime.of(2026, 1, 1, 0, 0));
            }
        }
    }
}
