package io.hotvisor.microcode.intel;

import static io.hotvisor.microcode.intel.IntelUpdateBuilder.concat;
import static io.hotvisor.microcode.intel.IntelUpdateBuilder.getInt;
import static io.hotvisor.microcode.intel.IntelUpdateBuilder.putInt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hotvisor.microcode.MicrocodeFormatException;
import io.hotvisor.microcode.MicrocodeFormatException.Code;
import io.hotvisor.microcode.ParseMode;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class IntelMicrocodeParserTest {

    private final IntelMicrocodeParser linux = new IntelMicrocodeParser(ParseMode.LINUX);
    private final IntelMicrocodeParser strict = new IntelMicrocodeParser(ParseMode.STRICT);

    private static MicrocodeFormatException refused(IntelMicrocodeParser parser, byte[] data) {
        return assertThrows(MicrocodeFormatException.class, () -> parser.parse("test.bin", data));
    }

    @Test
    void validUpdateYieldsEveryHeaderField() throws Exception {
        byte[] bytes = new IntelUpdateBuilder().revision(0xf4).date(0x11172024).signature(0x806ec).flags(0x94)
                .metadataSize(0x40).minRequiredRevision(0xd6).build();
        List<IntelMicrocodeUpdate> updates = linux.parse("test.bin", bytes);

        assertEquals(1, updates.size());
        IntelMicrocodeUpdate u = updates.get(0);
        assertEquals("test.bin", u.source());
        assertEquals(1, u.index());
        assertEquals(0, u.offset());
        assertEquals(1, u.headerVersion());
        assertEquals(0xf4, u.revision());
        assertEquals("2024-11-17", u.date().toString());
        assertEquals(0x806ec, u.processorSignature());
        assertEquals(getInt(bytes, 0x10), u.checksum());
        assertEquals(1, u.loaderRevision());
        assertEquals(0x94, u.processorFlags());
        assertEquals(976, u.dataSize());
        assertEquals(1024, u.totalSize());
        assertEquals(0x40, u.metadataSize());
        assertEquals(0xd6, u.minRequiredRevision());
        assertTrue(u.extendedSignatures().isEmpty());
        assertArrayEquals(bytes, u.bytes());
    }

    @Test
    void dataSizeZeroMeans2000BytesOfDataAnd2048Total() throws Exception {
        // The total size field is ignored when the data size is 0, whatever it holds.
        byte[] bytes = new IntelUpdateBuilder().dataLength(2000).dataSizeField(0).totalSizeField(0x1234).build();
        IntelMicrocodeUpdate u = linux.parse("old.bin", bytes).get(0);
        assertEquals(2000, u.dataSize());
        assertEquals(2048, u.totalSize());
    }

    @Test
    void updatesBackToBackAreReadInOrderWithTheirOffsets() throws Exception {
        byte[] a = new IntelUpdateBuilder().revision(0x5c).flags(0x20).signature(0x6f2).build();
        byte[] b = new IntelUpdateBuilder().revision(0x5d).flags(0x01).signature(0x6f2).dataLength(2000)
                .dataSizeField(0).build();
        byte[] c = new IntelUpdateBuilder().revision(0x5e).extended(0x6f3, 0x02).build();
        List<IntelMicrocodeUpdate> updates = linux.parse("three.bin", concat(a, b, c));

        assertEquals(3, updates.size());
        assertEquals(List.of(1, 2, 3), updates.stream().map(IntelMicrocodeUpdate::index).toList());
        assertEquals(List.of(0L, (long) a.length, (long) a.length + b.length),
                updates.stream().map(IntelMicrocodeUpdate::offset).toList());
        assertEquals(List.of(0x5c, 0x5d, 0x5e), updates.stream().map(IntelMicrocodeUpdate::revision).toList());
    }

    @Test
    void emptyDataHasNoUpdates() throws Exception {
        assertEquals(List.of(), linux.parse("empty", new byte[0]));
    }

    @Test
    void headerVersionOtherThanOneIsRefused() {
        MicrocodeFormatException e = refused(linux, new IntelUpdateBuilder().headerVersion(2).build());
        assertEquals(Code.BAD_HEADER_VERSION, e.code());
        assertEquals(0, e.offset());
    }

    @Test
    void loaderRevisionOtherThanOneIsRefused() {
        MicrocodeFormatException e = refused(linux, new IntelUpdateBuilder().loaderRevision(0).build());
        assertEquals(Code.BAD_LOADER_REVISION, e.code());
        assertEquals(0x14, e.offset());
    }

    @Test
    void dataLargerThanTotalMinusHeaderIsRefused() {
        byte[] bytes = new IntelUpdateBuilder().totalSizeField(1000).build();
        assertEquals(Code.BAD_SIZE, refused(linux, bytes).code());
    }

    @Test
    void badChecksumIsRefusedNamingFileOffsetAndIndex() {
        byte[] good = new IntelUpdateBuilder().build();
        byte[] bad = new IntelUpdateBuilder().revision(7).build();
        bad[100] ^= 1;
        MicrocodeFormatException e = refused(linux, concat(good, bad));

        assertEquals(Code.BAD_CHECKSUM, e.code());
        assertEquals(2, e.updateIndex());
        assertEquals(good.length + 0x10, e.offset());
        assertTrue(e.getMessage().startsWith("test.bin: update 2 at byte offset 1040: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("[BAD_CHECKSUM]"), e.getMessage());
    }

    @Test
    void truncatedHeaderIsRefused() {
        byte[] bytes = concat(new IntelUpdateBuilder().build(), new byte[20]);
        MicrocodeFormatException e = refused(linux, bytes);
        assertEquals(Code.TRUNCATED, e.code());
        assertEquals(2, e.updateIndex());
        assertEquals(1024, e.offset());
    }

    @Test
    void updateLongerThanTheFileIsRefused() {
        byte[] bytes = Arrays.copyOf(new IntelUpdateBuilder().build(), 1000);
        assertEquals(Code.TRUNCATED, refused(linux, bytes).code());
    }

    @Test
    void extendedSignatureTableIsRead() throws Exception {
        byte[] bytes = new IntelUpdateBuilder().signature(0x806f8).flags(0x87).extended(0x806f8, 0x87)
                .extended(0x806f7, 0x87).extended(0x806f6, 0x10).build();
        IntelMicrocodeUpdate u = linux.parse("ext.bin", bytes).get(0);

        assertEquals(1024 + 20 + 36, u.totalSize());
        assertEquals(List.of(0x806f8, 0x806f7, 0x806f6),
                u.extendedSignatures().stream().map(IntelMicrocodeUpdate.ExtendedSignature::processorSignature).toList());
        assertEquals(0x10, u.extendedSignatures().get(2).processorFlags());
        assertEquals(getInt(bytes, 1024 + 4), u.extendedChecksum());
    }

    @Test
    void extendedPartShorterThanItsHeaderIsRefused() {
        // 12 bytes after the data: too short for the 20-byte extended header.
        byte[] bytes = concat(new IntelUpdateBuilder().build(), new byte[12]);
        putInt(bytes, 0x20, bytes.length);
        fixChecksum(bytes, 976);
        MicrocodeFormatException e = refused(linux, bytes);
        assertEquals(Code.BAD_EXTENDED_TABLE, e.code());
        assertEquals(1024, e.offset());
    }

    @Test
    void extendedPartNotTwentyPlusTwelvePerEntryIsRefused() {
        byte[] bytes = concat(new IntelUpdateBuilder().build(), new byte[20 + 12 + 4]);
        putInt(bytes, 0x20, bytes.length);
        fixChecksum(bytes, 976);
        assertEquals(Code.BAD_EXTENDED_TABLE, refused(linux, bytes).code());
    }

    @Test
    void extendedCountDisagreeingWithItsSizeIsRefused() {
        byte[] bytes = new IntelUpdateBuilder().extended(0x806f7, 0x87).build();
        putInt(bytes, 1024, 2);
        assertEquals(Code.BAD_EXTENDED_TABLE, refused(linux, bytes).code());
    }

    @Test
    void badExtendedTableChecksumIsRefused() {
        byte[] bytes = new IntelUpdateBuilder().extended(0x806f7, 0x87).build();
        putInt(bytes, 1024 + 8, 0x1234); // a reserved dword: only the table checksum notices
        MicrocodeFormatException e = refused(linux, bytes);
        assertEquals(Code.BAD_EXTENDED_CHECKSUM, e.code());
        assertEquals(1024 + 4, e.offset());
    }

    @Test
    void extendedEntryWhoseChecksumDoesNotMatchTheHeaderIsRefused() {
        byte[] bytes = new IntelUpdateBuilder().extended(0x806f7, 0x87).extended(0x806f6, 0x87).build();
        int entry2 = 1024 + 20 + 12;
        putInt(bytes, entry2 + 8, getInt(bytes, entry2 + 8) + 1);
        putInt(bytes, 1024 + 4, getInt(bytes, 1024 + 4) - 1); // keep the table's own sum at 0
        MicrocodeFormatException e = refused(linux, bytes);
        assertEquals(Code.BAD_EXTENDED_SIGNATURE, e.code());
        assertEquals(entry2, e.offset());
    }

    @Test
    void linuxModeAcceptsWhatOnlyStrictModeRefuses() throws Exception {
        byte[] odd = new IntelUpdateBuilder().dataLength(1000).revision(0).date(0x13452024).build();
        assertEquals(1, linux.parse("odd.bin", odd).size());
    }

    @Test
    void strictModeRefusesSizesNotMultiplesOfFour() {
        byte[] bytes = new IntelUpdateBuilder().dataLength(1022).build();
        bytes = Arrays.copyOf(bytes, 1072);
        putInt(bytes, 0x20, 1072);
        MicrocodeFormatException e = refused(strict, bytes);
        assertEquals(Code.STRICT_BAD_SIZE, e.code());
    }

    @Test
    void strictModeRefusesTotalSizeNotMultipleOf1024() {
        byte[] bytes = new IntelUpdateBuilder().dataLength(1000).build();
        MicrocodeFormatException e = refused(strict, bytes);
        assertEquals(Code.STRICT_BAD_SIZE, e.code());
        assertEquals(0x20, e.offset());
    }

    @Test
    void strictModeRefusesInvalidBcdDates() {
        assertEquals(Code.STRICT_BAD_DATE, refused(strict, new IntelUpdateBuilder().date(0x13012024).build()).code());
        assertEquals(Code.STRICT_BAD_DATE, refused(strict, new IntelUpdateBuilder().date(0x011a2024).build()).code());
    }

    @Test
    void strictModeRefusesRevisionZero() {
        assertEquals(Code.STRICT_ZERO_REVISION, refused(strict, new IntelUpdateBuilder().revision(0).build()).code());
    }

    @Test
    void strictModeAcceptsAWellFormedUpdate() throws Exception {
        assertEquals(1, strict.parse("ok.bin", new IntelUpdateBuilder().dataLength(2048 - 48 - 20 - 12).extended(0x806eb, 0xc0).build()).size());
    }

    /** Recomputes the header checksum over header and {@code dataLength} bytes of data. */
    private static void fixChecksum(byte[] bytes, int dataLength) {
        putInt(bytes, 0x10, 0);
        int sum = 0;
        for (int i = 0; i < 48 + dataLength; i += 4) {
            sum += getInt(bytes, i);
        }
        putInt(bytes, 0x10, -sum);
    }
}
