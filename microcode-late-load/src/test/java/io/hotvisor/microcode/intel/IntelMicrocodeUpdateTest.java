package io.hotvisor.microcode.intel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hotvisor.microcode.CpuIdentity;
import org.junit.jupiter.api.Test;

class IntelMicrocodeUpdateTest {

    private static IntelMicrocodeUpdate update(IntelUpdateBuilder b) throws Exception {
        return new IntelMicrocodeParser().parse("u.bin", b.build()).get(0);
    }

    @Test
    void matchesTheHeaderSignatureWhenThePlatformBitIsInTheMask() throws Exception {
        IntelMicrocodeUpdate u = update(new IntelUpdateBuilder().signature(0x806ec).flags(0x94));
        assertTrue(u.matches(CpuIdentity.intel(0x806ec, 7, 0)));   // 0x80
        assertTrue(u.matches(CpuIdentity.intel(0x806ec, 2, 0)));   // 0x04
        assertFalse(u.matches(CpuIdentity.intel(0x806ec, 0, 0)));  // 0x01
    }

    @Test
    void doesNotMatchAnotherSignature() throws Exception {
        IntelMicrocodeUpdate u = update(new IntelUpdateBuilder().signature(0x806ec).flags(0xff));
        assertFalse(u.matches(CpuIdentity.intel(0x806eb, 7, 0)));
    }

    @Test
    void matchesAnExtendedSignature() throws Exception {
        IntelMicrocodeUpdate u = update(new IntelUpdateBuilder().signature(0x806f8).flags(0x87)
                .extended(0x806f8, 0x87).extended(0x806f6, 0x10));
        assertTrue(u.matches(CpuIdentity.intel(0x806f6, 4, 0)));
        assertFalse(u.matches(CpuIdentity.intel(0x806f6, 0, 0)));
    }

    @Test
    void oldCpusWithoutPlatformIdMatchOnlyUpdatesWithZeroFlags() throws Exception {
        // Family 6 model 3: Linux does not read MSR 0x17, so the CPU's mask is 0.
        CpuIdentity pentiumII = CpuIdentity.intel(0x633, 5, 0);
        assertTrue(update(new IntelUpdateBuilder().signature(0x633).flags(0)).matches(pentiumII));
        assertFalse(update(new IntelUpdateBuilder().signature(0x633).flags(0x20)).matches(pentiumII));
    }

    @Test
    void neverMatchesAnAmdCpu() throws Exception {
        IntelMicrocodeUpdate u = update(new IntelUpdateBuilder().signature(0xa70fc0).flags(0));
        assertFalse(u.matches(CpuIdentity.amd(0xa70fc0, 0)));
    }
}
