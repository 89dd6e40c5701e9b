package io.hotvisor.microcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hotvisor.microcode.MicrocodeFormatException.Code;
import io.hotvisor.microcode.amd.AmdContainerBuilder;
import io.hotvisor.microcode.intel.IntelUpdateBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MicrocodeFilesTest {

    @TempDir
    Path dir;

    private static byte[] amd() {
        return new AmdContainerBuilder().equivalence(0xa70fc0, 0xa7c0).patch(0x0a70c005, 0xa7c0, 0, 128).build();
    }

    @Test
    void vendorIsToldByTheFirstDword() throws Exception {
        assertEquals(Vendor.INTEL, MicrocodeFiles.parse("i", new IntelUpdateBuilder().build(), ParseMode.LINUX).vendor());
        MicrocodeFile a = MicrocodeFiles.parse("a", amd(), ParseMode.LINUX);
        assertEquals(Vendor.AMD, a.vendor());
        assertEquals(1, a.updates().size());
    }

    @Test
    void emptyFileIsRefused() {
        MicrocodeFormatException e = assertThrows(MicrocodeFormatException.class,
                () -> MicrocodeFiles.parse("e", new byte[0], ParseMode.LINUX));
        assertEquals(Code.EMPTY_FILE, e.code());
    }

    @Test
    void unrelatedFileIsRefusedAsUnknownFormat() {
        MicrocodeFormatException e = assertThrows(MicrocodeFormatException.class,
                () -> MicrocodeFiles.parse("README", "hello, world\n".getBytes(), ParseMode.LINUX));
        assertEquals(Code.UNKNOWN_FORMAT, e.code());
        assertTrue(e.getMessage().startsWith("README: byte offset 0: "), e.getMessage());
    }

    @Test
    void directoryIsReadInSortedOrderAndShownWithTheDirectoryAsGiven() throws Exception {
        Files.write(dir.resolve("06-8e-0c"), new IntelUpdateBuilder().revision(2).build());
        Files.write(dir.resolve("06-8e-0a.initramfs"), new IntelUpdateBuilder().revision(1).build());
        Files.write(dir.resolve("microcode_amd_fam19h.bin"), amd());
        Files.createDirectory(dir.resolve("subdir"));

        List<MicrocodeFile> files = MicrocodeFiles.read(dir, ParseMode.LINUX);

        assertEquals(List.of(dir + "/06-8e-0a.initramfs", dir + "/06-8e-0c", dir + "/microcode_amd_fam19h.bin"),
                files.stream().map(MicrocodeFile::path).toList());
        assertEquals(List.of(Vendor.INTEL, Vendor.INTEL, Vendor.AMD), files.stream().map(MicrocodeFile::vendor).toList());
    }

    @Test
    void oneBadFileRefusesTheWholeDirectory() throws Exception {
        Files.write(dir.resolve("06-8e-0c"), new IntelUpdateBuilder().build());
        byte[] bad = new IntelUpdateBuilder().build();
        bad[500] ^= 0x40;
        Files.write(dir.resolve("06-9e-0a"), bad);

        MicrocodeFormatException e = assertThrows(MicrocodeFormatException.class,
                () -> MicrocodeFiles.read(dir, ParseMode.LINUX));
        assertEquals(Code.BAD_CHECKSUM, e.code());
        assertEquals(dir.resolve("06-9e-0a").toString(), e.source());
    }

    @Test
    void emptyDirectoryIsRefused() {
        MicrocodeFormatException e = assertThrows(MicrocodeFormatException.class,
                () -> MicrocodeFiles.read(dir, ParseMode.LINUX));
        assertEquals(Code.EMPTY_DIRECTORY, e.code());
    }

    @Test
    void directoryOfUnrelatedFilesIsRefused() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not microcode");
        assertEquals(Code.UNKNOWN_FORMAT,
                assertThrows(MicrocodeFormatException.class, () -> MicrocodeFiles.read(dir, ParseMode.LINUX)).code());
    }

    @Test
    void strictModeReachesIntelFiles() throws Exception {
        Path f = dir.resolve("06-00-00");
        Files.write(f, new IntelUpdateBuilder().revision(0).build());
        assertEquals(1, MicrocodeFiles.read(f, ParseMode.LINUX).get(0).intelUpdates().size());
        assertEquals(Code.STRICT_ZERO_REVISION,
                assertThrows(MicrocodeFormatException.class, () -> MicrocodeFiles.read(f, ParseMode.STRICT)).code());
    }
}
