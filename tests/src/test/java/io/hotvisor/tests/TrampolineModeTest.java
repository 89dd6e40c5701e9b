package io.hotvisor.tests;

import io.hotvisor.patch.format.payload.ClassChange;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.hotvisor.tests.LivepatchFaultsTest.VERSION;
import static io.hotvisor.tests.LivepatchFaultsTest.extraVersion;
import static io.hotvisor.tests.LivepatchFaultsTest.host;
import static io.hotvisor.tests.LivepatchFaultsTest.state;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trampoline mode on real host processes (issue 18): a fix that adds a method, which
 * {@code RedefineClasses} cannot take, is refused by a host on the default mechanism and applies,
 * reverts and applies again on a host with {@code livepatch-mechanism = trampoline}, through hvctl.
 */
class TrampolineModeTest {
    /** Version with a new private helper that extraVersion() now calls. */
    private static final String WITH_HELPER = """
            package io.hotvisor.runtime.host;

            public final class Version {
                private Version() {}

                public static String version() {
                    return "0.1.0";
                }

                public static String extraVersion() {
                    return suffix("tramp");
                }

                private static String suffix(String name) {
                    return "-" + name;
                }
            }
            """;

    static Path payload;

    @BeforeAll
    static void aFixThatAddsAMethod(@TempDir Path dir) throws Exception {
        LivepatchFaultsTest.prepare(dir);
        byte[] head = CraftedPayloads.compile(Map.of("Version.java", WITH_HELPER), dir.resolve("helper")).get(VERSION);
        ClassChange change = ClassChange.redefine(new ClassImage(LivepatchFaultsTest.versionBundle,
                LivepatchFaultsTest.versionBundleVersion, VERSION, head), Sha256.of(LivepatchFaultsTest.version));
        payload = CraftedPayloads.write("helper", List.of(change), Map.of(), LivepatchFaultsTest.key, dir.resolve("helper.hvp"));
    }

    @Test
    void theDefaultMechanismCannotAddAMethodAndChangesNothing(@TempDir Path dir) throws Exception {
        try (HostProcess host = host(dir)) {
            HostProcess.Result load = host.hvctl("livepatch", "load", payload.toString());
            assertThat(load.status()).as(load.out() + load.err()).isEqualTo(1);
            assertThat(extraVersion(host)).isEqualTo("-hv");
        }
    }

    @Test
    void aTrampolineHostAppliesRevertsAndAppliesAFixThatAddsAMethod(@TempDir Path dir) throws Exception {
        try (HostProcess host = host(dir, "livepatch-mechanism = trampoline")) {
            HostProcess.Result load = host.hvctl("livepatch", "load", payload.toString());
            assertThat(load.status()).as(load.out() + load.err()).isZero();
            assertThat(extraVersion(host)).isEqualTo("-tramp");
            assertThat(host.hvctl("livepatch", "revert", "helper").status()).isZero();
            assertThat(extraVersion(host)).isEqualTo("-hv");
            assertThat(state(host, "helper")).startsWith("CHECKED");
            assertThat(host.hvctl("livepatch", "apply", "helper").status()).isZero();
            assertThat(extraVersion(host)).isEqualTo("-tramp");
        }
    }
}
