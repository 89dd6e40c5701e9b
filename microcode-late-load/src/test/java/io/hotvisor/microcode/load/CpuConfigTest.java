package io.hotvisor.microcode.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.Vendor;
import org.junit.jupiter.api.Test;

class CpuConfigTest {
    @Test
    void theDefaultIsATigerLakeUAtRevisionB8() {
        CpuIdentity cpu = CpuConfig.defaults();
        assertThat(cpu).isEqualTo(CpuIdentity.intel(0x000806c1, 7, 0xb8));
        assertThat(cpu.platformMask()).isEqualTo(0x80);
    }

    @Test
    void valuesAreDecimalOrHex() {
        assertThat(CpuConfig.parse("INTEL", "526060", "1", "240")).isEqualTo(CpuIdentity.intel(0x806ec, 1, 0xf0));
        assertThat(CpuConfig.parse("amd", "0x830f10", "7", "0x08301072"))
                .as("AMD ignores the platform id").isEqualTo(CpuIdentity.amd(0x830f10, 0x08301072));
        assertThat(CpuConfig.parse(null, null, null, null).vendor()).isEqualTo(Vendor.INTEL);
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> CpuConfig.parse("via", null, null, null)).hasMessage("cpu-vendor must be intel or amd, got 'via'");
        assertThatThrownBy(() -> CpuConfig.parse(null, "0xZZ", null, null))
                .hasMessage("cpu-signature must be a 32-bit number (decimal or 0x hex), got '0xZZ'");
        assertThatThrownBy(() -> CpuConfig.parse(null, null, "8", null))
                .hasMessage("cpu-platform-id must be 0 to 7 (bits 52:50 of IA32_PLATFORM_ID), got 8");
        assertThatThrownBy(() -> CpuConfig.parse(null, null, null, "0x1ffffffff"))
                .hasMessageStartingWith("cpu-microcode-revision must be a 32-bit number");
    }
}
