package io.hotvisor.microcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CpuIdentityTest {

    @Test
    void platformIdIsBits52To50OfMsr17() {
        assertEquals(7, CpuIdentity.platformIdFromMsr(0x001c_0000_0000_0000L));
        assertEquals(2, CpuIdentity.platformIdFromMsr(0x0008_0000_0000_0000L | 0x3ffff_ffff_ffffL));
        assertEquals(0, CpuIdentity.platformIdFromMsr(0xffe3_ffff_ffff_ffffL));
    }

    @Test
    void platformMaskIsOneBitShiftedByThePlatformId() {
        assertEquals(0x80, CpuIdentity.intel(0x806ec, 7, 0).platformMask());
        assertEquals(0x01, CpuIdentity.intel(0x806ec, 0, 0).platformMask());
    }

    @Test
    void cpusBeforeModel5OfFamily6HaveNoPlatformMask() {
        assertEquals(0, CpuIdentity.intel(0x634, 3, 0).platformMask());
        assertEquals(0x08, CpuIdentity.intel(0x652, 3, 0).platformMask());
        assertEquals(0x08, CpuIdentity.intel(0xf12, 3, 0).platformMask()); // family 0xF, model 1
    }

    @Test
    void amdCpusHaveNoPlatform() {
        assertEquals(0, CpuIdentity.amd(0xa70fc0, 0).platformMask());
        assertThrows(IllegalArgumentException.class,
                () -> new CpuIdentity(Vendor.AMD, new CpuSignature(0xa70fc0), 1, 0));
    }

    @Test
    void platformIdIsThreeBits() {
        assertThrows(IllegalArgumentException.class, () -> CpuIdentity.intel(0x806ec, 8, 0));
    }
}
