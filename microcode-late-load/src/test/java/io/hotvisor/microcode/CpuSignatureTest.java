package io.hotvisor.microcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CpuSignatureTest {

    @Test
    void intelSignatureDecodesWithExtendedModel() {
        CpuSignature kabyLake = new CpuSignature(0x000806ec);
        assertEquals(6, kabyLake.family());
        assertEquals(0x8e, kabyLake.model());
        assertEquals(0xc, kabyLake.stepping());
    }

    @Test
    void amdSignatureDecodesWithExtendedFamily() {
        CpuSignature zen4 = new CpuSignature(0x00a70fc0);
        assertEquals(0x19, zen4.family());
        assertEquals(0x7c, zen4.model());
        assertEquals(0, zen4.stepping());
    }

    @Test
    void extendedModelIsIgnoredOutsideFamilies6And15() {
        CpuSignature pentium = new CpuSignature(0x00010543);
        assertEquals(5, pentium.family());
        assertEquals(4, pentium.model());
    }

    @Test
    void encodingRoundTrips() {
        assertEquals(new CpuSignature(0x000806ec), CpuSignature.of(6, 0x8e, 0xc));
        assertEquals(new CpuSignature(0x00a70fc0), CpuSignature.of(0x19, 0x7c, 0));
        assertEquals(new CpuSignature(0x00000f4a), CpuSignature.of(0xf, 4, 0xa));
        assertEquals(new CpuSignature(0x00000543), CpuSignature.of(5, 4, 3));
    }

    @Test
    void unencodableTriplesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CpuSignature.of(5, 0x14, 0));
        assertThrows(IllegalArgumentException.class, () -> CpuSignature.of(6, 0x100, 0));
        assertThrows(IllegalArgumentException.class, () -> CpuSignature.of(6, 1, 16));
        assertThrows(IllegalArgumentException.class, () -> CpuSignature.of(0, 1, 1));
    }

    @Test
    void printsAsIucodeToolDoes() {
        assertEquals("0x000806ec", new CpuSignature(0x806ec).toString());
    }
}
