package io.hotvisor.microcode.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.DebianFirmware;
import io.hotvisor.microcode.journal.JournalException;
import io.hotvisor.microcode.journal.LoadRecord;
import io.hotvisor.microcode.journal.MicrocodeJournal;
import io.hotvisor.microcode.load.LateLoader.Input;
import io.hotvisor.microcode.load.LateLoader.Options;
import io.hotvisor.microcode.policy.AmdPatchDigests;
import io.hotvisor.microcode.policy.Decision;
import io.hotvisor.microcode.policy.LatePolicy;
import io.hotvisor.control.Taints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linux's late-load rules on Debian's real files (intel-microcode, amd64-microcode; the tests skip
 * without them): directory naming, the BDF90 blacklist, an update without min_req_ver, a forced
 * downgrade, AMD digests, and the journal's re-apply at boot.
 */
class LinuxRulesDebianTest {

    @TempDir
    Path state;

    private static SimulatedCpus cpus(CpuIdentity cpu) {
        return new SimulatedCpus(2, 2, cpu, RevisionEffects.SIMULATED);
    }

    private LateLoader loader(SimulatedCpus cpus, FakeStopMachine stop, boolean forceMinRev, Taints taints) {
        return new LateLoader(cpus, stop, new LatePolicy(forceMinRev, AmdPatchDigests.linux()),
                Optional.of(new MicrocodeJournal(state.resolve("microcode"))), taints, Clock.systemUTC());
    }

    private static Input intel(String name) throws IOException {
        return new Input(name, Files.readAllBytes(DebianFirmware.require().intelUcode().resolve(name)));
    }

    private static List<Input> directory(Path dir) throws IOException {
        List<Input> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                out.add(new Input(p.toString(), Files.readAllBytes(p)));
            }
        }
        return out;
    }

    @Test
    void aDirectoryIsReadAsLinuxReadsItOnlyThisCpusFileAndEveryOtherFileIsSkippedWithTheReason() throws Exception {
        Path dir = DebianFirmware.require().intelUcode();
        SimulatedCpus tigerLake = cpus(CpuConfig.defaults());
        LoadResult r = loader(tigerLake, new FakeStopMachine(2), false, new Taints())
                .load(directory(dir), Options.defaults().asDirectory());
        assertThat(tigerLake.readRevision(0)).isEqualTo(0xbc);
        assertThat(r.decisions()).filteredOn(d -> d.verdict() == Decision.Verdict.PASS && d.rule().id().equals("linux-naming"))
                .singleElement().satisfies(d -> assertThat(d.detail()).endsWith("06-8c-01: the file Linux reads for this CPU (intel-ucode/06-8c-01)"));
        assertThat(r.decisions()).extracting(Decision::toString).contains(
                "linux-naming: skip: " + dir.resolve("06-8e-0c.initramfs") + ": skipped: an early-only update (Debian's"
                        + " *.initramfs files are loaded at boot, never late)",
                "linux-naming: skip: " + dir.resolve("06-55-04") + ": skipped: named for another CPU; this host's CPUs read"
                        + " intel-ucode/06-8c-01");
    }

    @Test
    void aCpuForWhichDebianShipsOnlyAnInitramfsFileIsOfferedNothingFromTheDirectory() throws Exception {
        // Kaby Lake-U 06-8e-0c: Debian ships its update only as 06-8e-0c.initramfs.
        SimulatedCpus kabyLake = cpus(CpuIdentity.intel(0x000806ec, 2, 0xf0));
        FakeStopMachine stop = new FakeStopMachine(2);
        assertThatThrownBy(() -> loader(kabyLake, stop, false, new Taints())
                .load(directory(DebianFirmware.require().intelUcode()), Options.defaults().asDirectory()))
                .hasMessageStartingWith("no file of the directory is named 06-8e-0c, the only file Linux's late loader reads"
                        + " for this host's CPUs (intel-ucode/06-8e-0c); ")
                .hasMessageEndingWith("files skipped (06-8e-0c.initramfs is there, but it is an early-only update: Debian ships"
                        + " it for loading at boot, never late); nothing loaded [rule linux-naming]")
                .extracting(e -> ((LateLoadException) e).code()).isEqualTo(LateLoadException.Code.NO_MATCH);
        assertThat(stop.calls).isZero();
        assertThat(kabyLake.readRevision(0)).isEqualTo(0xf0);
    }

    @Test
    void broadwellEpBelow0x0b000021IsBlacklistedAsLinuxDoesAndLoadsFromThatRevisionOn() throws Exception {
        Input file = intel("06-4f-01.initramfs");
        SimulatedCpus old = cpus(CpuIdentity.intel(0x000406f1, 0, 0x0b000010));
        FakeStopMachine stop = new FakeStopMachine(2);
        assertThatThrownBy(() -> loader(old, stop, false, new Taints()).load(List.of(file), Options.defaults()))
                .hasMessage("erratum BDF90: late loading on Broadwell-EP/EX 06-4f-01 below revision 0x0b000021 can hang the"
                        + " machine; running 0xb000010 (load it early, at boot, or update the firmware); nothing loaded"
                        + " [rule blacklist-bdf90]")
                .extracting(e -> ((LateLoadException) e).code()).isEqualTo(LateLoadException.Code.BLACKLISTED);
        assertThatThrownBy(() -> loader(old, stop, false, new Taints()).load(List.of(file), new Options(true, Duration.ofMillis(30), 1)))
                .as("--force is Xen's: it does not lift the blacklist").hasMessageEndingWith("[rule blacklist-bdf90]");
        assertThat(stop.calls).isZero();
        assertThat(old.readRevision(0)).isEqualTo(0x0b000010);

        SimulatedCpus fixed = cpus(CpuIdentity.intel(0x000406f1, 0, 0x0b000021));
        LoadResult r = loader(fixed, new FakeStopMachine(2), false, new Taints()).load(List.of(file), Options.defaults());
        assertThat(fixed.readRevision(3)).isEqualTo(0x0b000040);
        assertThat(r.decisions()).extracting(Decision::toString)
                .contains("blacklist-bdf90: pass: 06-4f-01 runs 0xb000021, at or above 0x0b000021");
    }

    @Test
    void anUpdateWithoutMinReqVerLoadsWithAWarningAndTheUcodeLateTaintOrIsRefusedUnderForceMinRev() throws Exception {
        // Gemini Lake Refresh 06-7a-08: Debian's revision 0x26 declares no minimum revision.
        Input file = intel("06-7a-08");
        SimulatedCpus strictCpus = cpus(CpuIdentity.intel(0x000706a8, 0, 0x24));
        FakeStopMachine stop = new FakeStopMachine(2);
        assertThatThrownBy(() -> loader(strictCpus, stop, true, new Taints()).load(List.of(file), Options.defaults()))
                .hasMessage("unsafe late load: revision 0x26 does not declare a minimum revision for late loading (min_req_ver 0);"
                        + " refused because microcode-force-minrev is set (load it early, at boot); nothing loaded [rule min-rev]");
        assertThat(stop.calls).isZero();

        Taints taints = new Taints();
        SimulatedCpus geminiLake = cpus(CpuIdentity.intel(0x000706a8, 0, 0x24));
        LoadResult r = loader(geminiLake, new FakeStopMachine(2), false, taints).load(List.of(file), Options.defaults());
        assertThat(geminiLake.readRevision(0)).isEqualTo(0x26);
        assertThat(r.unsafe()).isTrue();
        assertThat(r.lines().get(0)).isEqualTo("microcode: warning: unsafe late load: revision 0x26 does not declare a minimum"
                + " revision for late loading (min_req_ver 0); loading it anyway, as Linux does without force_minrev (host"
                + " tainted ucode-late)");
        assertThat(taints.summary()).isEqualTo("ucode-late");
        assertThat(new MicrocodeJournal(state.resolve("microcode")).last().orElseThrow().unsafe()).isTrue();
    }

    @Test
    void aForcedDowngradeIsLoggedJournaledAndTaintsTheHostForced() throws Exception {
        Input file = intel("06-8c-01");
        SimulatedCpus newer = cpus(CpuIdentity.intel(0x000806c1, 7, 0xc0));
        assertThatThrownBy(() -> loader(newer, new FakeStopMachine(2), false, new Taints()).load(List.of(file), Options.defaults()))
                .hasMessage("not newer: running 0xc0, file has 0xbc; nothing loaded (--force loads it anyway) [rule newer]");

        Taints taints = new Taints();
        LoadResult r = loader(newer, new FakeStopMachine(2), false, taints).load(List.of(file), new Options(true, Duration.ofMillis(30), 5));
        assertThat(newer.readRevision(3)).isEqualTo(0xbc);
        assertThat(r.lines()).startsWith(
                "microcode: warning: --force: the revision check is off (Xen's xen-ucode --force: same or older revisions load);"
                        + " host tainted forced",
                "microcode: warning: forced: loading revision 0xbc over running revision 0xc0",
                "microcode: CPUs 0-1 (core 0): updated from revision 0xc0 to 0xbc, date = 2024-12-01");
        assertThat(taints.summary()).isEqualTo("ucode-late forced");
        assertThat(taints.marks()).filteredOn(m -> m.flag() == Taints.Flag.FORCED).singleElement()
                .satisfies(m -> assertThat(m.reason()).isEqualTo("microcode: hvctl ucode --force late-loaded revision 0xbc from 06-8c-01"));
        LoadRecord rec = new MicrocodeJournal(state.resolve("microcode")).last().orElseThrow();
        assertThat(rec.forced()).isTrue();
        assertThat(rec.revision()).isEqualTo(0xbc);
        assertThat(rec.sha256()).isEqualTo(MicrocodeJournal.sha256(file.data()));
        assertThat(r.journalSequence()).contains(1L);
    }

    @Test
    void aRealZenPatchLoadsAndTheSamePatchWithOneChangedByteInAValidContainerIsRefusedByItsDigest() throws Exception {
        byte[] container = Files.readAllBytes(DebianFirmware.require().amdUcode().resolve("microcode_amd_fam17h.bin"));
        CpuIdentity rome = CpuIdentity.amd(0x00830f10, 0x08301055);
        SimulatedCpus good = cpus(rome);
        LoadResult r = loader(good, new FakeStopMachine(2), false, new Taints())
                .load(List.of(new Input("microcode_amd_fam17h.bin", container)), Options.defaults());
        assertThat(good.readRevision(0)).isEqualTo(0x0830107c);
        assertThat(r.decisions()).extracting(Decision::toString).anyMatch(d -> d.startsWith("amd-sha256: pass: patch 0x0830107c"));

        int offset = patchOffset(container, 0x0830107c);
        byte[] altered = container.clone();
        altered[offset + 64 + 100] ^= 0x01; // one byte of the patch body; the container stays valid
        SimulatedCpus victim = cpus(rome);
        FakeStopMachine stop = new FakeStopMachine(2);
        assertThatThrownBy(() -> loader(victim, stop, false, new Taints())
                .load(List.of(new Input("microcode_amd_fam17h.bin", altered)), new Options(true, Duration.ofMillis(30), 1)))
                .hasMessageContaining("patch 0x0830107c (microcode_amd_fam17h.bin, patch 3 at byte offset " + (offset - 8) + ") has SHA-256 ")
                .hasMessageContaining(", Linux's table says 2164defb9f689647705ce28f18526aaca4d22ee0de6866c3eb1ed33fbc511d38")
                .hasMessageEndingWith("the patch was altered; nothing loaded [rule amd-sha256]");
        assertThat(stop.calls).isZero();
        assertThat(victim.readRevision(0)).isEqualTo(0x08301055);
    }

    @Test
    void aLateLoadIsReappliedAtBootAndABootWithItsFileGoneOrChangedIsRefused() throws Exception {
        Input file = intel("06-8c-01");
        loader(cpus(CpuConfig.defaults()), new FakeStopMachine(2), false, new Taints()).load(List.of(file), Options.defaults());

        Taints afterRestart = new Taints();
        SimulatedCpus rebooted = cpus(CpuConfig.defaults());
        LoadResult again = loader(rebooted, new FakeStopMachine(2), false, afterRestart).reapply().orElseThrow();
        assertThat(rebooted.status()).extracting(SimulatedCpus.CpuStatus::revision).containsOnly(0xbc);
        assertThat(again.lines()).contains("microcode: load: updated on 2 primary CPUs with 2 siblings");
        assertThat(afterRestart.summary()).as("loading at boot is early loading: no taint").isEqualTo("none");

        SimulatedCpus firmwareUpdated = cpus(CpuIdentity.intel(0x000806c1, 7, 0xc0));
        assertThat(loader(firmwareUpdated, new FakeStopMachine(2), false, new Taints()).reapply())
                .as("a CPU that booted with a newer revision keeps it, as early loading would").isEmpty();
        assertThat(firmwareUpdated.readRevision(0)).isEqualTo(0xc0);

        MicrocodeJournal journal = new MicrocodeJournal(state.resolve("microcode"));
        Path copy = journal.copyOf(MicrocodeJournal.sha256(file.data()));
        byte[] kept = Files.readAllBytes(copy);
        kept[5000] ^= 1;
        Files.write(copy, kept);
        assertThatThrownBy(() -> loader(cpus(CpuConfig.defaults()), new FakeStopMachine(2), false, new Taints()).reapply())
                .isInstanceOf(JournalException.class)
                .hasMessageStartingWith("microcode journal record 1: the loaded file 06-8c-01 changed: " + copy + " has sha256 ")
                .hasMessageEndingWith(", the journal recorded " + MicrocodeJournal.sha256(file.data()));
        Files.delete(copy);
        assertThatThrownBy(() -> loader(cpus(CpuConfig.defaults()), new FakeStopMachine(2), false, new Taints()).reapply())
                .hasMessage("microcode journal record 1: the loaded file 06-8c-01 (sha256 " + MicrocodeJournal.sha256(file.data())
                        + ") is gone from " + state.resolve("microcode/files"));
    }

    /** The byte offset of the patch (after its 8-byte section header) with this patch id in an AMD container. */
    static int patchOffset(byte[] container, int patchId) {
        ByteBuffer b = ByteBuffer.wrap(container).order(ByteOrder.LITTLE_ENDIAN);
        int o = 12 + b.getInt(8);
        while (o < container.length) {
            int length = b.getInt(o + 4);
            if (b.getInt(o + 8 + 4) == patchId) {
                return o + 8;
            }
            o += 8 + length;
        }
        throw new IllegalArgumentException("no patch 0x" + Integer.toHexString(patchId));
    }
}
