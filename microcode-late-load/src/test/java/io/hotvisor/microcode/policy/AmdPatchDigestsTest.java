package io.hotvisor.microcode.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.microcode.CpuSignature;
import org.junit.jupiter.api.Test;

/** Linux's digest table as read from the resource, and Linux's rules for when it applies. */
class AmdPatchDigestsTest {
    private static final CpuSignature ROME = new CpuSignature(0x00830f10);

    @Test
    void theResourceHoldsLinuxsTableSortedAndComplete() {
        AmdPatchDigests d = AmdPatchDigests.linux();
        assertThat(d.size()).isEqualTo(63);
        assertThat(AmdPatchDigests.hex(d.digestOf(0x0830107c).orElseThrow()))
                .isEqualTo("2164defb9f689647705ce28f18526aaca4d22ee0de6866c3eb1ed33fbc511d38");
        assertThat(d.digestOf(0x0830107d)).isEmpty();
    }

    @Test
    void onlyEntrySignCpusAreChecked() {
        assertThat(AmdPatchDigests.hasEntrySign(ROME)).isTrue();
        assertThat(AmdPatchDigests.hasEntrySign(new CpuSignature(0x00a00f11))).as("Milan, family 0x19").isTrue();
        assertThat(AmdPatchDigests.hasEntrySign(new CpuSignature(0x00b40f40))).as("family 0x1a model 0x44").isTrue();
        assertThat(AmdPatchDigests.hasEntrySign(new CpuSignature(0x00b70f00))).as("family 0x1a model 0x70").isFalse();
        assertThat(AmdPatchDigests.hasEntrySign(new CpuSignature(0x00600f20))).as("family 0x15").isFalse();
    }

    @Test
    void theCheckAppliesUpToTheLastUnfixedRevisionOfTheModelAndStepping() {
        assertThat(AmdPatchDigests.needsCheck(ROME, 0x0830107c)).isTrue();
        assertThat(AmdPatchDigests.needsCheck(ROME, 0x0830107d)).isFalse();
        assertThat(AmdPatchDigests.needsCheck(ROME, 0)).as("no revision: the model's lowest, 0x08301000").isTrue();
        assertThat(AmdPatchDigests.needsCheck(ROME, 0x0f000001)).as("an unknown model is checked, as Linux does").isTrue();
    }
}
