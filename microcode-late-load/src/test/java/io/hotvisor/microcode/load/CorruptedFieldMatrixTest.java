package io.hotvisor.microcode.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.DebianFirmware;
import io.hotvisor.microcode.load.LateLoader.Input;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Every header field of a real Intel file (Debian's 06-8c-01, and 06-b7-01 for the extended
 * signature table) and of a real AMD container (microcode_amd_fam17h.bin) corrupted, one at a time:
 * each must be one clear refusal naming the field, with no pCPU touched. A field the checksum covers
 * is corrupted twice: as found (the checksum catches it) and with the checksum made consistent (the
 * field's own check must catch it). The table is written to {@code target/corrupted-field-matrix.md}
 * (the module README carries it).
 */
class CorruptedFieldMatrixTest {

    /** One corruption: which field, how, and words the refusal must contain. */
    record Row(String vendor, String field, String how, Consumer<ByteBuffer> corrupt, boolean fixChecksum, int cut,
            String code, String... mustName) {
    }

    private static final int INTEL_EXT = 48 + 219044; // 06-b7-01: header + data; its extended table starts here

    @Test
    void everyCorruptedHeaderFieldIsOneClearRefusalNamingItAndNoCpuIsTouched() throws IOException {
        DebianFirmware fw = DebianFirmware.require();
        byte[] tigerLake = Files.readAllBytes(fw.intelUcode().resolve("06-8c-01"));
        byte[] raptorLake = Files.readAllBytes(fw.intelUcode().resolve("06-b7-01"));
        byte[] zen = Files.readAllBytes(fw.amdUcode().resolve("microcode_amd_fam17h.bin"));
        int romePatch = LinuxRulesDebianTest.patchOffset(zen, 0x0830107c);
        int equivLength = ByteBuffer.wrap(zen).order(ByteOrder.LITTLE_ENDIAN).getInt(8);

        List<Row> rows = List.of(
                intel("header version", "0x00 set to 2", b -> b.putInt(0x00, 2), false, "UNKNOWN_FORMAT", "header version"),
                intel("revision", "0x04 + 1", b -> b.putInt(0x04, b.getInt(0x04) + 1), false, "BAD_CHECKSUM", "checksum"),
                intel("date", "0x08 month 0x13", b -> b.putInt(0x08, 0x13012024), false, "BAD_CHECKSUM", "checksum"),
                intel("date", "0x08 month 0x13, checksum made consistent", b -> b.putInt(0x08, 0x13012024), true, "STRICT_BAD_DATE", "date"),
                intel("processor signature", "0x0C + 1", b -> b.putInt(0x0C, b.getInt(0x0C) + 1), false, "BAD_CHECKSUM", "checksum"),
                intel("processor signature", "0x0C + 1, checksum made consistent", b -> b.putInt(0x0C, b.getInt(0x0C) + 1), true,
                        "NO_MATCH", "signature"),
                intel("checksum", "0x10 + 1", b -> b.putInt(0x10, b.getInt(0x10) + 1), false, "BAD_CHECKSUM", "checksum"),
                intel("loader revision", "0x14 set to 2", b -> b.putInt(0x14, 2), false, "BAD_LOADER_REVISION", "loader revision"),
                intel("loader revision", "0x14 set to 2, checksum made consistent", b -> b.putInt(0x14, 2), true, "BAD_LOADER_REVISION", "loader revision"),
                intel("processor flags", "0x18 set to 0x01", b -> b.putInt(0x18, 0x01), false, "BAD_CHECKSUM", "checksum"),
                intel("processor flags", "0x18 set to 0x01, checksum made consistent", b -> b.putInt(0x18, 0x01), true, "NO_MATCH", "pf_mask"),
                intel("data size", "0x1C + 1024", b -> b.putInt(0x1C, b.getInt(0x1C) + 1024), false, "BAD_SIZE", "data size"),
                intel("data size", "0x1C - 4", b -> b.putInt(0x1C, b.getInt(0x1C) - 4), false, "BAD_EXTENDED_TABLE", "extended"),
                intel("total size", "0x20 + 1024", b -> b.putInt(0x20, b.getInt(0x20) + 1024), false, "TRUNCATED", "total size"),
                intel("total size", "0x20 - 1024", b -> b.putInt(0x20, b.getInt(0x20) - 1024), false, "BAD_SIZE", "total size"),
                intel("metadata size", "0x24 set to 16", b -> b.putInt(0x24, 16), false, "BAD_CHECKSUM", "checksum"),
                intel("min_req_ver", "0x28 + 1", b -> b.putInt(0x28, b.getInt(0x28) + 1), false, "BAD_CHECKSUM", "checksum"),
                intel("data", "one byte of the data flipped", b -> b.put(0x1000, (byte) (b.get(0x1000) ^ 1)), false, "BAD_CHECKSUM", "checksum"),
                new Row("intel", "file", "cut to 60000 of 112640 bytes", b -> { }, false, 60000, "TRUNCATED", "total size"),
                new Row("intel", "extended signature count", "06-b7-01: 2 set to 3",
                        b -> b.putInt(INTEL_EXT, 3), false, 0, "BAD_EXTENDED_TABLE", "extended"),
                new Row("intel", "extended checksum", "06-b7-01: + 1",
                        b -> b.putInt(INTEL_EXT + 4, b.getInt(INTEL_EXT + 4) + 1), false, 0, "BAD_EXTENDED_CHECKSUM", "extended"),
                new Row("intel", "extended signature entry", "06-b7-01: first entry's signature + 1, table checksum made consistent",
                        b -> { b.putInt(INTEL_EXT + 20, b.getInt(INTEL_EXT + 20) + 1); b.putInt(INTEL_EXT + 4, b.getInt(INTEL_EXT + 4) - 1); },
                        false, 0, "BAD_EXTENDED_SIGNATURE", "extended"),
                amd("container magic", "0x00 set to 0x00414d45", b -> b.putInt(0, 0x00414d45), 0, "UNKNOWN_FORMAT", "magic"),
                amd("equivalence section type", "0x04 set to 1", b -> b.putInt(4, 1), 0, "AMD_BAD_EQUIV_TABLE", "equivalence"),
                amd("equivalence table length", "0x08 + 4", b -> b.putInt(8, equivLength + 4), 0, "AMD_BAD_EQUIV_TABLE", "equivalence"),
                amd("equivalence table length", "0x08 past the end of the file", b -> b.putInt(8, 0x100000), 0, "TRUNCATED", "equivalence"),
                amd("equivalence table", "terminating zero entry made non-zero", b -> b.putInt(12 + equivLength - 16, 0x00830f10), 0,
                        "AMD_BAD_EQUIV_TABLE", "equivalence"),
                amd("patch section type", "set to 2", b -> b.putInt(romePatch - 8, 2), 0, "AMD_BAD_SECTION", "section"),
                amd("patch section length", "set below the 64-byte header", b -> b.putInt(romePatch - 4, 32), 0, "AMD_BAD_SECTION", "section"),
                amd("patch section length", "set past the end of the file", b -> b.putInt(romePatch - 4, 0x100000), 0, "TRUNCATED", "section"),
                amd("patch length", "+ 16 (the next section header is then misread)", b -> b.putInt(romePatch - 4, b.getInt(romePatch - 4) + 16), 0,
                        "AMD_BAD_SECTION", "section"),
                amd("patch date", "data_code + 1", b -> b.putInt(romePatch, b.getInt(romePatch) + 1), 0, "BAD_DIGEST", "SHA-256"),
                amd("patch data checksum", "mc_patch_data_checksum + 1", b -> b.putInt(romePatch + 12, b.getInt(romePatch + 12) + 1), 0,
                        "BAD_DIGEST", "SHA-256"),
                amd("north bridge device id", "nb_dev_id set to 0x1022", b -> b.putInt(romePatch + 16, 0x1022), 0, "AMD_CHIPSET_SPECIFIC", "chipset"),
                amd("patch body", "one byte flipped", b -> b.put(romePatch + 200, (byte) (b.get(romePatch + 200) ^ 1)), 0, "BAD_DIGEST", "SHA-256"),
                amd("file", "cut in the middle of the patch", b -> { }, romePatch + 1000, "TRUNCATED", "section"));

        StringBuilder table = new StringBuilder("| vendor | field | corruption | refusal (code) | message |\n|---|---|---|---|---|\n");
        List<String> problems = new ArrayList<>();
        for (Row row : rows) {
            boolean isIntel = row.vendor().equals("intel");
            boolean extended = row.field().startsWith("extended");
            byte[] data = (isIntel ? (extended ? raptorLake : tigerLake) : zen).clone();
            ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            row.corrupt().accept(b);
            if (row.fixChecksum()) {
                fixIntelChecksum(b);
            }
            if (row.cut() > 0) {
                data = Arrays.copyOf(data, row.cut());
            }
            CpuIdentity cpu = isIntel ? (extended ? CpuIdentity.intel(0x000b0671, 0, 0x110) : CpuConfig.defaults())
                    : CpuIdentity.amd(0x00830f10, 0x08301055);
            SimulatedCpus cpus = new SimulatedCpus(2, 2, cpu, RevisionEffects.SIMULATED);
            FakeStopMachine stop = new FakeStopMachine(2);
            String name = isIntel ? (extended ? "06-b7-01" : "06-8c-01") : "microcode_amd_fam17h.bin";
            Input input = new Input(name, data);
            LateLoadException e = catchThrowableOfType(() -> new LateLoader(cpus, stop)
                    .load(List.of(input), LateLoader.Options.defaults()), LateLoadException.class);
            String code = e == null ? "(loaded)" : e.formatError().map(f -> f.code().name()).orElse(e.code().name());
            String message = e == null ? "" : e.getMessage();
            table.append("| ").append(row.vendor()).append(" | ").append(row.field()).append(" | ").append(row.how())
                    .append(" | ").append(code).append(" | ").append(message.replace("|", "\\|")).append(" |\n");
            if (e == null || !code.equals(row.code()) || Arrays.stream(row.mustName()).anyMatch(w -> !message.contains(w))) {
                problems.add(row.field() + " (" + row.how() + "): expected " + row.code() + " naming " + List.of(row.mustName())
                        + ", got " + code + ": " + message);
            }
            if (stop.calls != 0 || cpus.status().stream().anyMatch(s -> s.revision() != cpu.revision())) {
                problems.add(row.field() + " (" + row.how() + "): a pCPU was touched");
            }
            if (message.contains("\n")) {
                problems.add(row.field() + ": the refusal is more than one line");
            }
        }
        Path out = Path.of("target", "corrupted-field-matrix.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table, StandardCharsets.UTF_8);
        assertThat(problems).as("see " + out.toAbsolutePath()).isEmpty();
    }

    private static Row intel(String field, String how, Consumer<ByteBuffer> corrupt, boolean fix, String code, String... mustName) {
        return new Row("intel", field, how, corrupt, fix, 0, code, mustName);
    }

    private static Row amd(String field, String how, Consumer<ByteBuffer> corrupt, int cut, String code, String... mustName) {
        return new Row("amd", field, how, corrupt, false, cut, code, mustName);
    }

    /** Makes the dwords of the first update's header and data sum to 0 again, as a forger would. */
    private static void fixIntelChecksum(ByteBuffer b) {
        int dataSize = b.getInt(0x1C);
        int end = 48 + (dataSize == 0 ? 2000 : dataSize);
        int sum = 0;
        for (int i = 0; i < end; i += 4) {
            if (i != 0x10) {
                sum += b.getInt(i);
            }
        }
        b.putInt(0x10, -sum);
    }
}
