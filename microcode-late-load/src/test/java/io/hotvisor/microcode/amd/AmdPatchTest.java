package io.hotvisor.microcode.amd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hotvisor.microcode.CpuIdentity;
import java.util.List;
import org.junit.jupiter.api.Test;

class AmdPatchTest {

    private static List<AmdPatch> patches(AmdContainerBuilder b) throws Exception {
        return new AmdContainerParser().parse("amd.bin", b.build()).get(0).patches();
    }

    @Test
    void zenPatchIdEncodesTheCpuid() {
        // Pairs from Debian's amd64-microcode: the patch id and its container's equivalence entry.
        assertEquals(0x00a70fc0, AmdPatch.zenCpuidOf(0x0a70c005));
        assertEquals(0x00860f81, AmdPatch.zenCpuidOf(0x08608108));
        assertEquals(0x00800f82, AmdPatch.zenCpuidOf(0x0800820d));
    }

    @Test
    void zenPatchMatchesTheCpuItsPatchIdNamesWithoutTheTable() throws Exception {
        // The table deliberately maps the CPU elsewhere: from family 0x17 it is not consulted.
        AmdPatch p = patches(new AmdContainerBuilder().equivalence(0x00a70fc0, 0x1234)
                .patch(0x0a70c005, 0xa7c0, 0x02282024, 128)).get(0);
        assertTrue(p.matches(CpuIdentity.amd(0x00a70fc0, 0x0a70c000)));
        assertFalse(p.matches(CpuIdentity.amd(0x00a70fc1, 0)));
        assertEquals(List.of(0x00a70fc0), p.targetSignatures());
    }

    @Test
    void preZenPatchMatchesThroughTheEquivalenceId() throws Exception {
        List<AmdPatch> ps = patches(new AmdContainerBuilder().equivalence(0x00100f43, 0x1043)
                .equivalence(0x00100f63, 0x1043).equivalence(0x00100f42, 0x1041)
                .patch(0x010000c8, 0x1043, 0, 960).patch(0x010000db, 0x1041, 0, 960));
        AmdPatch p1043 = ps.get(0);
        assertTrue(p1043.matches(CpuIdentity.amd(0x00100f63, 0)));
        assertTrue(p1043.matches(CpuIdentity.amd(0x00100f43, 0)));
        assertFalse(p1043.matches(CpuIdentity.amd(0x00100f42, 0)));
        assertFalse(p1043.matches(CpuIdentity.amd(0x00100f99, 0)));
        assertEquals(List.of(0x00100f43, 0x00100f63), p1043.targetSignatures());
        assertTrue(ps.get(1).matches(CpuIdentity.amd(0x00100f42, 0)));
    }

    @Test
    void neverMatchesAnIntelCpu() throws Exception {
        AmdPatch p = patches(new AmdContainerBuilder().equivalence(0x00a70fc0, 0xa7c0)
                .patch(0x0a70c005, 0xa7c0, 0, 128)).get(0);
        assertFalse(p.matches(CpuIdentity.intel(0x00a70fc0, 0, 0)));
    }
}
