package io.hotvisor.patch.builder.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Setting Bundle-Version as text: every other byte of the manifest stays as it was. */
class ManifestTextTest {
    static final String CRLF = "Manifest-Version: 1.0\r\n"
            + "Bundle-SymbolicName: io.hotvisor.runtime.sched.credit2;singleton:=true\r\n"
            + "Bundle-Version: 0.1.0\r\n"
            + "Export-Package: io.hotvisor.runtime.sched.credit2;version=\"0.1.0\";uses\r\n"
            + " :=\"io.hotvisor.runtime.domain\"\r\n"
            + "Hotvisor-Replaceable: io.hotvisor.runtime.sched.credit2.Credit2Transfer\r\n"
            + "\r\n"
            + "Name: io/hotvisor/runtime/sched/credit2/\r\n"
            + "Bundle-Version: not-the-main-one\r\n"
            + "\r\n";

    private static String set(String manifest, String version) {
        return new String(ManifestText.withMainHeader(manifest.getBytes(StandardCharsets.UTF_8), "Bundle-Version", version),
                StandardCharsets.UTF_8);
    }

    @Test
    void onlyTheMainSectionsBundleVersionLineChanges() {
        assertThat(set(CRLF, "0.1.0.u1a2b3c4d")).isEqualTo(CRLF.replace("Bundle-Version: 0.1.0\r\n", "Bundle-Version: 0.1.0.u1a2b3c4d\r\n"));
    }

    @Test
    void aWrappedHeaderIsReplacedWithItsContinuationLines() {
        String wrapped = "Manifest-Version: 1.0\n" + "Bundle-Version: 0.1.0.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
                + " aaaa\n" + "Bundle-Name: x\n" + "\n";
        assertThat(set(wrapped, "0.2")).isEqualTo("Manifest-Version: 1.0\nBundle-Version: 0.2\nBundle-Name: x\n\n");
    }

    @Test
    void aLongValueIsWrappedAt72BytesWithTheManifestsLineBreak() {
        String version = "0.1.0." + "q".repeat(80);
        String edited = set(CRLF, version);
        assertThat(edited.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(72));
        assertThat(ManifestText.mainHeader(edited.getBytes(StandardCharsets.UTF_8), "Bundle-Version")).contains(version);
        assertThat(edited).contains("Bundle-Version: 0.1.0.qqq").contains("\r\n qqq");
    }

    @Test
    void manifestWithoutTheHeaderIsRefused() {
        assertThatThrownBy(() -> set("Manifest-Version: 1.0\r\n\r\nName: a/\r\nBundle-Version: 1\r\n\r\n", "2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no Bundle-Version header in its main section");
    }
}
