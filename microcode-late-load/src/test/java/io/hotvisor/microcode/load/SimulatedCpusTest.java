package io.hotvisor.microcode.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.MicrocodeFiles;
import io.hotvisor.microcode.MicrocodeUpdate;
import io.hotvisor.microcode.ParseMode;
import io.hotvisor.microcode.Vendor;
import io.hotvisor.microcode.intel.IntelUpdateBuilder;
import org.junit.jupiter.api.Test;

/** The simulated MSRs, as Intel SDM vol. 3A and Linux's amd.c use them. */
class SimulatedCpusTest {
    private final SimulatedCpus cpus = new SimulatedCpus(2, 2, CpuIdentity.intel(0x000806ec, 2, 0xf0), RevisionEffects.SIMULATED);

    private static MicrocodeUpdate update(IntelUpdateBuilder b) throws Exception {
        return MicrocodeFiles.parse("u", b.build(), ParseMode.LINUX).updates().get(0);
    }

    @Test
    void platformIdIsInBits52To50OfIa32PlatformId() {
        assertThat(cpus.readMsr(1, Msr.IA32_PLATFORM_ID)).isEqualTo(2L << 50);
        assertThat(cpus.identity(1).platformMask()).isEqualTo(0x04);
    }

    @Test
    void theRevisionIsInBits63To32OfIa32BiosSignId() {
        assertThat(cpus.readMsr(0, Msr.IA32_BIOS_SIGN_ID)).isEqualTo(0xf0L << 32);
        assertThat(cpus.readRevision(0)).isEqualTo(0xf0);
    }

    @Test
    void writingTheTriggerLoadsTheUpdateForTheWholeCore() throws Exception {
        cpus.writeUpdateTrigger(2, Msr.IA32_BIOS_UPDT_TRIG, update(new IntelUpdateBuilder().revision(0xf4)));
        assertThat(cpus.readRevision(2)).isEqualTo(0xf4);
        assertThat(cpus.readRevision(3)).as("the sibling shares its core's microcode").isEqualTo(0xf4);
        assertThat(cpus.readRevision(0)).as("another core").isEqualTo(0xf0);
        assertThat(cpus.features(3)).contains("srbds-ctrl");
        assertThat(cpus.features(0)).doesNotContain("srbds-ctrl");
    }

    @Test
    void theCpuIgnoresAnUpdateForAnotherSignatureOrPlatform() throws Exception {
        cpus.writeUpdateTrigger(0, Msr.IA32_BIOS_UPDT_TRIG, update(new IntelUpdateBuilder().signature(0x000906ea).revision(0xf4)));
        cpus.writeUpdateTrigger(0, Msr.IA32_BIOS_UPDT_TRIG, update(new IntelUpdateBuilder().flags(0x01).revision(0xf4)));
        assertThat(cpus.readRevision(0)).isEqualTo(0xf0);
    }

    @Test
    void aLoadFaultLeavesTheCoresRevisionAsItWas() throws Exception {
        cpus.setLoadFault((core, u) -> core == 0);
        cpus.writeUpdateTrigger(0, Msr.IA32_BIOS_UPDT_TRIG, update(new IntelUpdateBuilder().revision(0xf4)));
        assertThat(cpus.readRevision(0)).isEqualTo(0xf0);
    }

    @Test
    void msrsTheCpuDoesNotHaveFault() throws Exception {
        MicrocodeUpdate u = update(new IntelUpdateBuilder().revision(0xf4));
        assertThatThrownBy(() -> cpus.writeUpdateTrigger(0, Msr.AMD_PATCH_LOADER, u))
                .hasMessage("pCPU 0 (INTEL) has no PATCH_LOADER (0xc0010020); a real CPU raises #GP");
        assertThatThrownBy(() -> cpus.readMsr(0, 0x10)).hasMessageContaining("#GP");
        SimulatedCpus amd = new SimulatedCpus(1, 1, CpuIdentity.amd(0x00830f10, 0x08301072), RevisionEffects.NONE);
        assertThatThrownBy(() -> amd.readMsr(0, Msr.IA32_PLATFORM_ID)).hasMessageContaining("#GP");
        assertThat(amd.readMsr(0, Msr.AMD_PATCH_LEVEL)).isEqualTo(0x08301072L);
        assertThat(amd.updateTrigger()).isEqualTo(Msr.AMD_PATCH_LOADER);
    }

    @Test
    void statusListsEveryPcpuWithItsCoreAndThread() {
        assertThat(cpus.status()).extracting(s -> s.cpu() + ":" + s.core() + "." + s.thread())
                .containsExactly("0:0.0", "1:0.1", "2:1.0", "3:1.1");
        assertThat(cpus.status().get(0).vendor()).isEqualTo(Vendor.INTEL);
        assertThat(cpus.status().get(0).features()).containsExactly("ibrs", "md-clear", "ssbd", "stibp");
    }
}
