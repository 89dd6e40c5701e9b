package io.hotvisor.microcode.amd;

import static io.hotvisor.microcode.intel.IntelUpdateBuilder.concat;
import static io.hotvisor.microcode.intel.IntelUpdateBuilder.putInt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hotvisor.microcode.MicrocodeFormatException;
import io.hotvisor.microcode.MicrocodeFormatException.Code;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AmdContainerParserTest {

    private final AmdContainerParser parser = new AmdContainerParser();

    private MicrocodeFormatException refused(byte[] data) {
        return assertThrows(MicrocodeFormatException.class, () -> parser.parse("amd.bin", data));
    }

    private static AmdContainerBuilder zen4() {
        return new AmdContainerBuilder().equivalence(0x00a70fc0, 0xa7c0).equivalence(0x00a00f11, 0xa011)
                .patch(0x0a70c005, 0xa7c0, 0x02282024, 5568).patch(0x0a0011d5, 0xa011, 0x02232024, 5568);
    }

    @Test
    void validContainerYieldsTableAndPatches() throws Exception {
        byte[] bytes = zen4().build();
        List<AmdContainer> containers = parser.parse("amd.bin", bytes);

        assertEquals(1, containers.size());
        AmdContainer c = containers.get(0);
        assertEquals(0, c.offset());
        assertEquals(List.of(new AmdEquivalenceTable.Entry(0x00a70fc0, 0, 0, 0xa7c0),
                new AmdEquivalenceTable.Entry(0x00a00f11, 0, 0, 0xa011)), c.equivalenceTable().entries());
        assertEquals(2, c.patches().size());
        AmdPatch p = c.patches().get(0);
        assertEquals(1, p.index());
        assertEquals(12 + 48, p.offset());
        assertEquals(0x0a70c005, p.patchId());
        assertEquals(0xa7c0, p.processorRevisionId());
        assertEquals(0x19, p.family());
        assertEquals("2024-02-28", p.date().toString());
        assertEquals(5568, p.sectionSize());
        assertEquals(0x8005, p.patchDataId());
        assertArrayEquals(Arrays.copyOfRange(bytes, 12 + 48 + 8, 12 + 48 + 8 + 5568), p.bytes());
        assertEquals(2, c.patches().get(1).index());
    }

    @Test
    void containersBackToBackAreAllRead() throws Exception {
        byte[] first = zen4().build();
        byte[] second = new AmdContainerBuilder().equivalence(0x00100f22, 0x1022)
                .patch(0x01000083, 0x1022, 0x04302008, 960).build();
        List<AmdContainer> containers = parser.parse("two.bin", concat(first, second));

        assertEquals(2, containers.size());
        assertEquals(first.length, containers.get(1).offset());
        assertEquals(2, containers.get(1).index());
        assertEquals(3, containers.get(1).patches().get(0).index());
        assertEquals(0x10, containers.get(1).patches().get(0).family());
    }

    @Test
    void containerWithoutPatchesIsAccepted() throws Exception {
        assertEquals(List.of(), parser.parse("none.bin", new AmdContainerBuilder().equivalence(0x800f12, 0x8012).build())
                .get(0).patches());
    }

    @Test
    void badMagicIsRefused() {
        byte[] bytes = zen4().build();
        bytes[0] = 'X';
        MicrocodeFormatException e = refused(bytes);
        assertEquals(Code.AMD_BAD_MAGIC, e.code());
        assertEquals(0, e.offset());
    }

    @Test
    void equivalenceSectionOfAnotherTypeIsRefused() {
        byte[] bytes = zen4().build();
        putInt(bytes, 4, 1);
        assertEquals(Code.AMD_BAD_EQUIV_TABLE, refused(bytes).code());
    }

    @Test
    void equivalenceTableSizeNotAMultipleOf16IsRefused() {
        byte[] bytes = zen4().build();
        putInt(bytes, 8, 40);
        MicrocodeFormatException e = refused(bytes);
        assertEquals(Code.AMD_BAD_EQUIV_TABLE, e.code());
        assertEquals(8, e.offset());
    }

    @Test
    void emptyEquivalenceTableIsRefused() {
        byte[] bytes = zen4().build();
        putInt(bytes, 8, 0);
        assertEquals(Code.AMD_BAD_EQUIV_TABLE, refused(bytes).code());
    }

    @Test
    void equivalenceTableWithoutTerminatingEntryIsRefused() {
        byte[] bytes = new AmdContainerBuilder().equivalence(0x00a70fc0, 0xa7c0).withoutTerminator()
                .patch(0x0a70c005, 0xa7c0, 0x02282024, 5568).build();
        assertEquals(Code.AMD_BAD_EQUIV_TABLE, refused(bytes).code());
    }

    @Test
    void equivalenceTableRunningPastTheFileIsRefusedAsTruncated() {
        byte[] bytes = Arrays.copyOf(zen4().build(), 30);
        assertEquals(Code.TRUNCATED, refused(bytes).code());
    }

    @Test
    void containerHeaderShorterThan12BytesIsRefusedAsTruncated() {
        assertEquals(Code.TRUNCATED, refused(Arrays.copyOf(zen4().build(), 8)).code());
    }

    @Test
    void sectionOfAnotherTypeIsRefused() {
        byte[] bytes = zen4().build();
        putInt(bytes, 60, 2);
        MicrocodeFormatException e = refused(bytes);
        assertEquals(Code.AMD_BAD_SECTION, e.code());
        assertEquals(60, e.offset());
        assertEquals(1, e.updateIndex());
    }

    @Test
    void patchSectionSmallerThanAPatchHeaderIsRefused() {
        byte[] bytes = new AmdContainerBuilder().equivalence(0x00a70fc0, 0xa7c0)
                .patch(0x0a70c005, 0xa7c0, 0x02282024, 64).build();
        putInt(bytes, 12 + 32 + 4, 40);
        assertEquals(Code.AMD_BAD_SECTION, refused(bytes).code());
    }

    @Test
    void patchSectionRunningPastTheFileIsRefusedAsTruncated() {
        byte[] bytes = zen4().build();
        MicrocodeFormatException e = refused(Arrays.copyOf(bytes, bytes.length - 1));
        assertEquals(Code.TRUNCATED, e.code());
        assertEquals(2, e.updateIndex());
    }

    @Test
    void partialSectionHeaderIsRefusedAsTruncated() {
        byte[] bytes = concat(zen4().build(), new byte[] {1, 0, 0, 0, 9});
        assertEquals(Code.TRUNCATED, refused(bytes).code());
    }

    @Test
    void family10hTo12hPatchesAreCappedAt2048Bytes() throws Exception {
        for (int revId : new int[] {0x1022, 0x2031, 0x3010}) {
            byte[] ok = new AmdContainerBuilder().equivalence(0x100f22, revId).patch(0x01000083, revId, 0, 2048).build();
            assertEquals(1, parser.parse("ok.bin", ok).get(0).patches().size());
            byte[] big = new AmdContainerBuilder().equivalence(0x100f22, revId).patch(0x01000083, revId, 0, 2049).build();
            assertEquals(Code.AMD_PATCH_TOO_LARGE, refused(big).code());
        }
    }

    @Test
    void family14hPatchesAreCappedAt1824Bytes() throws Exception {
        byte[] ok = new AmdContainerBuilder().equivalence(0x500f10, 0x5010).patch(0x05000029, 0x5010, 0, 1824).build();
        assertEquals(1, parser.parse("ok.bin", ok).get(0).patches().size());
        byte[] big = new AmdContainerBuilder().equivalence(0x500f10, 0x5010).patch(0x05000029, 0x5010, 0, 1825).build();
        MicrocodeFormatException e = refused(big);
        assertEquals(Code.AMD_PATCH_TOO_LARGE, e.code());
        assertTrue(e.getMessage().contains("1824-byte limit of family 0x14"), e.getMessage());
    }

    @Test
    void family15hAndLaterHaveNoFixedCap() throws Exception {
        byte[] big = new AmdContainerBuilder().equivalence(0x600f20, 0x6020).patch(0x06000852, 0x6020, 0, 8192).build();
        assertEquals(8192, parser.parse("ok.bin", big).get(0).patches().get(0).sectionSize());
    }

    @Test
    void patchForAFamilyWithoutLoaderSupportIsRefused() {
        byte[] bytes = new AmdContainerBuilder().equivalence(0x00000f48, 0x0f48).patch(0x00000001, 0x0f48, 0, 960).build();
        assertEquals(Code.AMD_UNSUPPORTED_FAMILY, refused(bytes).code());
    }

    @Test
    void chipsetSpecificPatchesAreRefused() {
        byte[] nb = new AmdContainerBuilder().equivalence(0x100f22, 0x1022)
                .patch(0x01000083, 0x1022, 0, 960, 0x1022, 0).build();
        assertEquals(Code.AMD_CHIPSET_SPECIFIC, refused(nb).code());
        byte[] sb = new AmdContainerBuilder().equivalence(0x100f22, 0x1022)
                .patch(0x01000083, 0x1022, 0, 960, 0, 0x4385).build();
        MicrocodeFormatException e = refused(sb);
        assertEquals(Code.AMD_CHIPSET_SPECIFIC, e.code());
        assertEquals(12 + 32 + 8 + 16, e.offset());
    }
}
