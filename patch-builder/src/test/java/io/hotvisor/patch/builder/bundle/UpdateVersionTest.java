package io.hotvisor.patch.builder.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.patch.format.Sha256;
import org.junit.jupiter.api.Test;

/** The to-version of a replaced bundle: the from-version's qualifier extended by u and 8 hex digits. */
class UpdateVersionTest {
    static final Sha256 CLASSES = new Sha256("1a2b3c4d" + "0".repeat(56));

    @Test
    void versionWithoutQualifierGetsTheQualifierU() {
        assertThat(UpdateVersion.of("0.1.0", CLASSES)).isEqualTo("0.1.0.u1a2b3c4d");
    }

    @Test
    void missingMinorAndMicroAreWrittenAsZero() {
        assertThat(UpdateVersion.of("2", CLASSES)).isEqualTo("2.0.0.u1a2b3c4d");
        assertThat(UpdateVersion.of("1.4", CLASSES)).isEqualTo("1.4.0.u1a2b3c4d");
    }

    @Test
    void qualifierIsExtendedSoTheNewVersionSortsAfterIt() {
        String to = UpdateVersion.of("0.1.0.SNAPSHOT", CLASSES);
        assertThat(to).isEqualTo("0.1.0.SNAPSHOTu1a2b3c4d");
        assertThat(to.substring("0.1.0.".length())).isGreaterThan("SNAPSHOT");
    }

    @Test
    void somethingThatIsNoOsgiVersionIsRefused() {
        assertThatThrownBy(() -> UpdateVersion.of("1.0-SNAPSHOT", CLASSES))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'1.0-SNAPSHOT' is not an OSGi version");
    }
}
