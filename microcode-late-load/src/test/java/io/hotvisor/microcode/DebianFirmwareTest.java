package io.hotvisor.microcode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hotvisor.microcode.MicrocodeSelector.Outcome;
import io.hotvisor.microcode.MicrocodeSelector.Selection;
import io.hotvisor.microcode.amd.AmdContainer;
import io.hotvisor.microcode.amd.AmdContainerParser;
import io.hotvisor.microcode.amd.AmdEquivalenceTable;
import io.hotvisor.microcode.amd.AmdPatch;
import io.hotvisor.microcode.intel.IntelMicrocodeParser;
import io.hotvisor.microcode.intel.IntelMicrocodeUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The parsers, listing and selector against Debian's real packages (intel-microcode,
 * amd64-microcode) with Debian's iucode_tool as the reference for Intel. Skipped, with the reason,
 * where the packages cannot be fetched.
 */
class DebianFirmwareTest {

    private static DebianFirmware firmware;

    /** Per test, so each one is reported skipped with the reason; the fetch itself runs once. */
    @BeforeEach
    void fetch() {
        firmware = DebianFirmware.require();
    }

    private static List<Path> sortedFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
    }

    @Test
    void everyIntelFileParsesUnderLinuxAndStrictRules() throws Exception {
        List<Path> files = sortedFiles(firmware.intelUcode());
        assertTrue(files.size() > 100, "expected over 100 files, got " + files.size());
        assertTrue(files.stream().anyMatch(f -> f.toString().endsWith(".initramfs")), "no .initramfs file");
        int updates = 0;
        int extended = 0;
        for (Path f : files) {
            List<IntelMicrocodeUpdate> parsed = new IntelMicrocodeParser(ParseMode.LINUX).parse(f);
            assertFalse(parsed.isEmpty(), f + " has no update");
            assertEquals(parsed, new IntelMicrocodeParser(ParseMode.STRICT).parse(f));
            updates += parsed.size();
            extended += (int) parsed.stream().filter(u -> !u.extendedSignatures().isEmpty()).count();
        }
        System.out.printf("intel-microcode: %d files, %d updates, %d with extended signatures%n",
                files.size(), updates, extended);
        assertTrue(extended > 0, "the package has updates with extended signature tables");
    }

    @Test
    void listingOfTheIntelDirectoryEqualsIucodeToolLineForLine() throws Exception {
        Path dir = firmware.intelUcode();
        List<String> ours = new MicrocodeListing(MicrocodeFiles.read(dir, ParseMode.LINUX)).textLines();

        List<String> args = new ArrayList<>(List.of(firmware.iucodeTool().toString(), "-L"));
        for (Path f : sortedFiles(dir)) {
            args.add(f.toString());
        }
        Optional<List<String>> reference = run(args);
        if (reference.isEmpty()) {
            String why = firmware.iucodeTool() + " cannot be run here; "
                    + "listingMatchesWhatIucodeToolPrintedForOldFiles still compares three files";
            System.out.println("Skipping live iucode_tool comparison: " + why);
            Assumptions.assumeTrue(false, why);
        }
        assertEquals(reference.get().size(), ours.size(), "line count");
        for (int i = 0; i < ours.size(); i++) {
            assertEquals(reference.get().get(i), ours.get(i), "line " + (i + 1));
        }
        System.out.printf("iucode_tool -L and ucode --list agree on all %d lines for %s%n", ours.size(), dir);
    }

    @Test
    void listingMatchesWhatIucodeToolPrintedForOldFiles() throws Exception {
        // Recorded once from the real iucode_tool (src/test/resources/iucode-tool/README.md), so the
        // format is checked even where the binary cannot run. The three files hold updates of 2010 and
        // 2019 that Intel no longer changes.
        Path dir = firmware.intelUcode();
        List<String> expected;
        try (InputStream in = getClass().getResourceAsStream("/iucode-tool/list-all.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@DIR@", dir.toString())
                    .lines().toList();
        }
        List<MicrocodeFile> three = new ArrayList<>();
        for (String name : List.of("06-0f-02", "06-3a-09.initramfs", "06-17-0a")) {
            three.add(MicrocodeFiles.readFile(dir.resolve(name), ParseMode.LINUX));
        }
        assertEquals(expected, new MicrocodeListing(three).textLines());
    }

    @Test
    void everyAmdContainerParses() throws Exception {
        List<Path> files = sortedFiles(firmware.amdUcode()).stream()
                .filter(f -> f.getFileName().toString().endsWith(".bin")).toList();
        assertTrue(files.size() >= 5, "expected the family 10h-19h containers, got " + files);
        int patches = 0;
        for (Path f : files) {
            for (AmdContainer c : new AmdContainerParser().parse(f)) {
                assertFalse(c.equivalenceTable().entries().isEmpty(), f + " has an empty equivalence table");
                patches += c.patches().size();
            }
        }
        System.out.printf("amd64-microcode: %d container files, %d patches%n", files.size(), patches);
        assertTrue(patches > 20);
    }

    @Test
    void selectorAgreesWithIucodeToolOnRealIntelCpus() throws Exception {
        Path dir = firmware.intelUcode();
        List<MicrocodeUpdate> all = new ArrayList<>();
        for (MicrocodeFile f : MicrocodeFiles.read(dir, ParseMode.LINUX)) {
            all.addAll(f.updates());
        }
        // Kaby Lake 06-8e-0c on platform 7 (pf 0x80, in the published update's mask 0x94), Skylake-SP
        // 06-55-04 on platform 0, Sapphire Rapids 06-8f-08 (extended-signature update) on platform 4.
        record Cpu(int sig, int platformId, int expectedAtLeast) {
        }
        for (Cpu cpu : List.of(new Cpu(0x806ec, 7, 0x100), new Cpu(0x50654, 0, 0x2007006), new Cpu(0x806f6, 2, 0x2b000650))) {
            Selection s = MicrocodeSelector.select(CpuIdentity.intel(cpu.sig(), cpu.platformId(), 1), all);
            assertEquals(Outcome.NEWER, s.outcome(), String.format("sig 0x%x", cpu.sig()));
            int chosen = s.update().orElseThrow().revision();
            assertTrue(Integer.compareUnsigned(chosen, cpu.expectedAtLeast()) >= 0,
                    String.format("sig 0x%x: rev 0x%x", cpu.sig(), chosen));

            Optional<Integer> reference = iucodeToolSelection(dir, cpu.sig(), 1 << cpu.platformId());
            reference.ifPresent(rev -> assertEquals(rev.intValue(), chosen,
                    String.format("sig 0x%x: iucode_tool selects rev 0x%x, ours 0x%x", cpu.sig(), rev, chosen)));

            CpuIdentity upToDate = CpuIdentity.intel(cpu.sig(), cpu.platformId(), chosen);
            assertEquals(Outcome.NOT_NEWER, MicrocodeSelector.select(upToDate, all).outcome());
        }
        assertEquals(Outcome.NO_MATCH, MicrocodeSelector.select(CpuIdentity.intel(0x806ec, 0, 1), all).outcome(),
                "06-8e-0c's only update has pf_mask 0x94, which lacks platform 0");
    }

    @Test
    void everyRealAmdCpuGetsThePatchItsEquivalenceTableNames() throws Exception {
        List<MicrocodeUpdate> all = new ArrayList<>();
        List<AmdEquivalenceTable.Entry> cpus = new ArrayList<>();
        for (MicrocodeFile f : MicrocodeFiles.read(firmware.amdUcode(), ParseMode.LINUX)) {
            all.addAll(f.updates());
            for (AmdContainer c : f.amdContainers()) {
                cpus.addAll(c.equivalenceTable().entries());
            }
        }
        int zen = 0;
        int withPatch = 0;
        for (AmdEquivalenceTable.Entry e : cpus) {
            Selection s = MicrocodeSelector.select(CpuIdentity.amd(e.installedCpu(), 0), all);
            if (s.outcome() == Outcome.NO_MATCH) {
                continue; // listed CPUs whose patch AMD withdrew from the package
            }
            withPatch++;
            AmdPatch p = (AmdPatch) s.update().orElseThrow();
            // Before Zen through the table; from Zen through the patch id. Either way the equivalence
            // id must agree, which checks the two rules against each other on AMD's own data.
            assertEquals(e.equivalenceId(), p.processorRevisionId(), String.format("cpu 0x%08x", e.installedCpu()));
            if (new CpuSignature(e.installedCpu()).family() >= AmdPatch.FIRST_ZEN_FAMILY) {
                zen++;
                assertEquals(e.installedCpu(), AmdPatch.zenCpuidOf(p.patchId()));
            }
        }
        assertTrue(withPatch > 20 && zen > 10, withPatch + " CPUs with a patch, " + zen + " of them Zen");

        // A Zen 4 CPU, family 0x19 model 0x7c stepping 0, running patch level 0x0a70c000.
        Selection phoenix = MicrocodeSelector.select(CpuIdentity.amd(0x00a70fc0, 0x0a70c000), all);
        AmdPatch p = (AmdPatch) phoenix.update().orElseThrow();
        assertEquals(0xa7c0, p.processorRevisionId());
        assertTrue(Integer.compareUnsigned(p.patchId(), 0x0a70c005) >= 0, Integer.toHexString(p.patchId()));
    }

    /** The revision {@code iucode_tool -l -s SIG,PF} selects from the directory, if it can be run. */
    private static Optional<Integer> iucodeToolSelection(Path dir, int sig, int pf) throws Exception {
        List<String> args = new ArrayList<>(List.of(firmware.iucodeTool().toString(), "-l", "-s", "!",
                "-s", String.format("0x%x,0x%x", sig, pf)));
        for (Path f : sortedFiles(dir)) {
            args.add(f.toString());
        }
        Optional<List<String>> out = run(args);
        if (out.isEmpty()) {
            return Optional.empty();
        }
        Pattern rev = Pattern.compile("^  \\d+/\\d+: .*, rev 0x([0-9a-f]+), size \\d+$");
        List<String> lines = out.get();
        int selected = lines.indexOf("selected microcodes:");
        assertTrue(selected >= 0, "iucode_tool printed no selection: " + lines);
        Matcher m = rev.matcher(lines.get(selected + 1));
        assertTrue(m.matches(), lines.get(selected + 1));
        return Optional.of(Integer.parseUnsignedInt(m.group(1), 16));
    }

    /** Runs a command; its stdout lines, or empty when the binary cannot be started. */
    private static Optional<List<String>> run(List<String> command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            System.out.println("cannot run " + command.get(0) + ": " + e.getMessage());
            return Optional.empty();
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "iucode_tool timed out");
        assertEquals(0, p.exitValue(), "iucode_tool exit status");
        return Optional.of(new String(out, StandardCharsets.UTF_8).lines().toList());
    }
}
