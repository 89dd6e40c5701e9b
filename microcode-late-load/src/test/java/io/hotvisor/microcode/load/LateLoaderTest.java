package io.hotvisor.microcode.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.MicrocodeFormatException;
import io.hotvisor.microcode.amd.AmdContainerBuilder;
import io.hotvisor.microcode.intel.IntelUpdateBuilder;
import io.hotvisor.microcode.load.LateLoader.Input;
import io.hotvisor.microcode.load.LateLoader.Options;
import io.hotvisor.microcode.load.LoadResult.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The late loader's rules, on simulated CPUs (2 cores x 2 threads) with updates built in code. */
class LateLoaderTest {
    /** Comet Lake-U-like: IntelUpdateBuilder's default signature 0x806ec; platform id 2 is in its flags 0x94. */
    private static final CpuIdentity CPU = CpuIdentity.intel(0x000806ec, 2, 0xf0);

    private final SimulatedCpus cpus = new SimulatedCpus(2, 2, CPU, RevisionEffects.SIMULATED);
    private final FakeStopMachine stop = new FakeStopMachine(2);
    private final LateLoader loader = new LateLoader(cpus, stop);

    private static Input file(byte[]... updates) {
        return new Input("06-8e-0c", IntelUpdateBuilder.concat(updates));
    }

    /** An update that declares a minimum revision the CPUs have: safe to load late, in Linux's terms. */
    private static byte[] update(int revision) {
        return new IntelUpdateBuilder().revision(revision).minRequiredRevision(0xe0).build();
    }

    @Test
    void aNewerUpdateIsLoadedOnEveryCoreAndEverySiblingReadsItBack() throws Exception {
        LoadResult r = loader.load(List.of(file(update(0xf4))), Options.defaults());

        assertThat(r.complete()).isTrue();
        assertThat(r.cpus()).extracting(LoadResult.CpuResult::newRevision).containsExactly(0xf4, 0xf4, 0xf4, 0xf4);
        assertThat(r.cpus()).extracting(LoadResult.CpuResult::status).containsOnly(Status.UPDATED);
        for (int p = 0; p < 4; p++) {
            assertThat(cpus.readMsr(p, Msr.IA32_BIOS_SIGN_ID) >>> 32).isEqualTo(0xf4);
        }
        assertThat(stop.calls).isEqualTo(1);
        assertThat(r.lines()).containsExactly(
                "microcode: CPUs 0-1 (core 0): updated from revision 0xf0 to 0xf4, date = 2024-11-17",
                "microcode: CPUs 2-3 (core 1): updated from revision 0xf0 to 0xf4, date = 2024-11-17",
                "microcode: CPUs 0-1 (core 0): features re-evaluated: +srbds-ctrl",
                "microcode: CPUs 2-3 (core 1): features re-evaluated: +srbds-ctrl",
                "microcode: load: updated on 2 primary CPUs with 2 siblings",
                "microcode: guests paused 0.300 ms (quiesce 0.100 ms, load window 0.200 ms)");
    }

    @Test
    void theNewestMatchingUpdateOfAFileIsTheOneLoaded() throws Exception {
        byte[] other = new IntelUpdateBuilder().signature(0x000906ea).revision(0xfa).build();
        LoadResult r = loader.load(List.of(file(update(0xf2), other, update(0xf6), update(0xf4))), Options.defaults());
        assertThat(cpus.readRevision(3)).isEqualTo(0xf6);
        assertThat(r.lines().get(0)).isEqualTo("microcode: CPUs 0-1 (core 0): updated from revision 0xf0 to 0xf6, date = 2024-11-17");
    }

    @Test
    void noMatchingUpdateIsRefusedAndNothingRuns() {
        byte[] other = new IntelUpdateBuilder().signature(0x000906ea).revision(0xfa).build();
        assertThatThrownBy(() -> loader.load(List.of(new Input("06-9e-0a", other)), Options.defaults()))
                .isInstanceOf(LateLoadException.class)
                .hasMessage("no matching microcode: nothing in 06-9e-0a is for this host's CPUs (Intel, signature 0x000806ec"
                        + " = 06-8e-0c, platform id 2 (pf_mask 0x04)); nothing loaded ('hvctl ucode --list FILE' shows what a file holds)"
                        + " [rule match]")
                .extracting(e -> ((LateLoadException) e).code()).isEqualTo(LateLoadException.Code.NO_MATCH);
        assertUntouched();
    }

    @Test
    void anUpdateForAnotherPlatformDoesNotMatch() {
        byte[] otherPlatform = new IntelUpdateBuilder().flags(0x01).revision(0xf8).build();
        assertThatThrownBy(() -> loader.load(List.of(file(otherPlatform)), Options.defaults()))
                .hasMessageStartingWith("no matching microcode");
        assertUntouched();
    }

    @Test
    void aFileOfTheOtherVendorIsRefusedNamingBothVendors() {
        byte[] amd = new AmdContainerBuilder().equivalence(0x00830f10, 0x8310).patch(0x0830107a, 0x8310, 0x06022023, 3200).build();
        assertThatThrownBy(() -> loader.load(List.of(new Input("microcode_amd_fam17h.bin", amd)), Options.defaults()))
                .hasMessageStartingWith("no matching microcode: microcode_amd_fam17h.bin holds AMD microcode; this host's CPUs are Intel");
        assertUntouched();
    }

    @Test
    void anUpdateNotNewerThanTheRunningRevisionIsRefused() {
        assertThatThrownBy(() -> loader.load(List.of(file(update(0xf0))), Options.defaults()))
                .hasMessage("not newer: running 0xf0, file has 0xf0; nothing loaded (--force loads it anyway) [rule newer]")
                .extracting(e -> ((LateLoadException) e).code()).isEqualTo(LateLoadException.Code.NOT_NEWER);
        assertUntouched();
    }

    @Test
    void aSecondLoadOfTheSameFileIsRefusedAsNotNewer() throws Exception {
        loader.load(List.of(file(update(0xf4))), Options.defaults());
        assertThatThrownBy(() -> loader.load(List.of(file(update(0xf4))), Options.defaults()))
                .hasMessage("not newer: running 0xf4, file has 0xf4; nothing loaded (--force loads it anyway) [rule newer]");
        assertThat(stop.calls).isEqualTo(1);
    }

    @Test
    void forceLoadsAnUpdateThatIsNotNewer() throws Exception {
        LoadResult r = loader.load(List.of(file(update(0xe0))), new Options(true, Duration.ofMillis(30), 1));
        assertThat(cpus.readRevision(0)).isEqualTo(0xe0);
        assertThat(r.warnings()).containsExactly(
                "microcode: warning: --force: the revision check is off (Xen's xen-ucode --force: same or older revisions"
                        + " load); host tainted forced",
                "microcode: warning: forced: loading revision 0xe0 over running revision 0xf0");
        assertThat(r.lines()).contains("microcode: CPUs 0-1 (core 0): updated from revision 0xf0 to 0xe0, date = 2024-11-17");
        assertThat(r.forced()).isTrue();
        assertThat(loader.taints().summary()).isEqualTo("ucode-late forced");
        assertThat(r.decisions()).anySatisfy(d -> assertThat(d.toString())
                .isEqualTo("newer: warn: revision 0xe0 over running 0xf0 is the same or older: loaded because --force was given"));
    }

    @Test
    void aDamagedFileIsRefusedWithItsReasonAndOffsetAndNothingIsLoaded() {
        byte[] good = update(0xf4);
        byte[] bad = update(0xf6);
        bad[100] ^= 1;
        assertThatThrownBy(() -> loader.load(List.of(file(good, bad)), Options.defaults()))
                .isInstanceOf(LateLoadException.class)
                .hasMessageContaining("damaged microcode: 06-8e-0c: update 2 at byte offset 1040: the dwords of header and data do not sum to 0")
                .hasMessageContaining("[BAD_CHECKSUM]")
                .satisfies(e -> {
                    LateLoadException l = (LateLoadException) e;
                    assertThat(l.code()).isEqualTo(LateLoadException.Code.BAD_FILE);
                    MicrocodeFormatException f = l.formatError().orElseThrow();
                    assertThat(f.code()).isEqualTo(MicrocodeFormatException.Code.BAD_CHECKSUM);
                    assertThat(f.offset()).as("the checksum field of the second update").isEqualTo(1024 + 0x10);
                });
        assertUntouched();
    }

    @Test
    void aTruncatedFileIsRefused() {
        byte[] cut = java.util.Arrays.copyOf(update(0xf4), 700);
        assertThatThrownBy(() -> loader.load(List.of(file(cut)), Options.defaults()))
                .hasMessageContaining("[TRUNCATED]");
        assertUntouched();
    }

    @Test
    void oneDamagedFileOfADirectoryRefusesTheWholeLoad() {
        Input good = file(update(0xf4));
        Input text = new Input("README", "not microcode at all".getBytes());
        assertThatThrownBy(() -> loader.load(List.of(good, text), Options.defaults()))
                .hasMessageContaining("README: byte offset 0").hasMessageContaining("[UNKNOWN_FORMAT]");
        assertUntouched();
    }

    @Test
    void noFileIsRefused() {
        assertThatThrownBy(() -> loader.load(List.of(), Options.defaults()))
                .extracting(e -> ((LateLoadException) e).code()).isEqualTo(LateLoadException.Code.NO_FILE);
    }

    @Test
    void aCoreThatRejectsTheUpdateIsReportedAndTheOtherCoreKeepsItsNewRevision() throws Exception {
        cpus.setLoadFault((core, u) -> core == 1);
        LoadResult r = loader.load(List.of(file(update(0xf4))), Options.defaults());

        assertThat(r.complete()).isFalse();
        assertThat(r.cpus()).extracting(LoadResult.CpuResult::status)
                .containsExactly(Status.UPDATED, Status.UPDATED, Status.FAILED, Status.FAILED);
        assertThat(List.of(cpus.readRevision(0), cpus.readRevision(1), cpus.readRevision(2), cpus.readRevision(3)))
                .containsExactly(0xf4, 0xf4, 0xf0, 0xf0);
        assertThat(r.lines()).contains(
                "microcode: CPUs 2-3 (core 1): update to revision 0xf4 failed: revision reads back 0xf0, expected 0xf4; the core keeps revision 0xf0",
                "microcode: load incomplete: 1 of 2 cores failed to update (CPUs 2-3 (core 1)); the other cores run their new revision");
        assertThat(r.featureChanges()).extracting(LoadResult.FeatureChange::core).containsExactly(0);
    }

    @Test
    void aBusyRendezvousIsAskedAgainAndNothingChangesMeanwhile() throws Exception {
        stop.busyFirst = 2;
        LoadResult r = loader.load(List.of(file(update(0xf4))), Options.defaults());
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(cpus.readRevision(0)).isEqualTo(0xf4);
    }

    @Test
    void aRendezvousBusyOnEveryAttemptIsRefusedAsBusy() {
        stop.busyFirst = 100;
        assertThatThrownBy(() -> loader.load(List.of(file(update(0xf4))), new Options(false, Duration.ofMillis(30), 3)))
                .hasMessageStartingWith("busy: timed out after 30 ms")
                .hasMessageEndingWith("(after 3 attempts); nothing loaded, retry later [rule rendezvous-timeout]")
                .extracting(e -> ((LateLoadException) e).code()).isEqualTo(LateLoadException.Code.BUSY);
        assertThat(stop.calls).isEqualTo(3);
        assertThat(cpus.readRevision(0)).isEqualTo(0xf0);
    }

    @Test
    void anUpdateWhoseMinimumRevisionIsAboveTheRunningOneLoadsWithAWarningAndTheUcodeLateTaintAsLinuxDoes() throws Exception {
        byte[] u = new IntelUpdateBuilder().revision(0xf4).minRequiredRevision(0xf2).build();
        LoadResult r = loader.load(List.of(file(u)), Options.defaults());
        assertThat(r.unsafe()).isTrue();
        assertThat(r.warnings()).containsExactly("microcode: warning: unsafe late load: revision 0xf4 may be loaded late only"
                + " over revision 0xf2 or later; the CPUs run 0xf0; loading it anyway, as Linux does without force_minrev"
                + " (host tainted ucode-late)");
        assertThat(cpus.readRevision(0)).isEqualTo(0xf4);
        assertThat(loader.taints().marks()).singleElement().satisfies(m -> {
            assertThat(m.flag()).isEqualTo(io.hotvisor.control.Taints.Flag.UCODE_LATE);
            assertThat(m.reason()).isEqualTo("microcode: late-loaded revision 0xf4 from 06-8e-0c (unsafe: not known to be"
                    + " safe from the running revision)");
        });
    }

    @Test
    void underForceMinRevAnUnsafeUpdateIsRefusedAndForceDoesNotOverrideIt() {
        LateLoader strict = new LateLoader(cpus, stop, new io.hotvisor.microcode.policy.LatePolicy(true,
                io.hotvisor.microcode.policy.AmdPatchDigests.linux()), java.util.Optional.empty(),
                new io.hotvisor.control.Taints(), java.time.Clock.systemUTC());
        byte[] below = new IntelUpdateBuilder().revision(0xf4).minRequiredRevision(0xf2).build();
        assertThatThrownBy(() -> strict.load(List.of(file(below)), new Options(true, Duration.ofMillis(30), 1)))
                .hasMessage("unsafe late load: revision 0xf4 may be loaded late only over revision 0xf2 or later; the CPUs"
                        + " run 0xf0; refused because microcode-force-minrev is set (load it early, at boot); nothing loaded"
                        + " [rule min-rev]")
                .extracting(e -> ((LateLoadException) e).code()).isEqualTo(LateLoadException.Code.BELOW_MIN_REVISION);
        byte[] undeclared = new IntelUpdateBuilder().revision(0xf4).build();
        assertThatThrownBy(() -> strict.load(List.of(file(undeclared)), Options.defaults()))
                .hasMessageStartingWith("unsafe late load: revision 0xf4 does not declare a minimum revision for late loading"
                        + " (min_req_ver 0); refused")
                .hasMessageEndingWith("[rule min-rev]");
        assertUntouched();
    }

    @Test
    void aRendezvousThatParksTooLateToLoadWithinTheTimeoutWritesNothing() {
        long[] now = {0};
        // Every clock reading advances 20 ms: the pCPUs "park" 20 ms after the request, past the 10 ms timeout.
        FakeStopMachine slow = new FakeStopMachine(2) {
            @Override
            public Report runPerCore(CoreAction action, Duration timeout) throws Exception {
                super.runPerCore(action, timeout);
                return new Report(20_000_000, 15_000_000, 35_000_000);
            }
        };
        LateLoader timed = new LateLoader(cpus, slow);
        timed.nanoTime(() -> now[0] += 20_000_000L);
        assertThatThrownBy(() -> timed.load(List.of(file(update(0xf4))), new Options(false, Duration.ofMillis(10), 2)))
                .hasMessage("timed out: the pCPUs parked 20.000 ms after the request; with the 0.000 ms the longest load"
                        + " took, that exceeds the 10 ms timeout; nothing was written (after 2 attempts); nothing loaded,"
                        + " retry later or raise --timeout [rule rendezvous-timeout]")
                .extracting(e -> ((LateLoadException) e).code()).isEqualTo(LateLoadException.Code.TIMEOUT);
        assertThat(slow.actionsRun).as("every core's action ran, none wrote").isEqualTo(4);
        for (int p = 0; p < cpus.pcpus(); p++) {
            assertThat(cpus.readRevision(p)).isEqualTo(0xf0);
        }
    }

    @Test
    void aPauseLongerThanTheTimeoutIsReportedAsAWarning() throws Exception {
        FakeStopMachine slow = new FakeStopMachine(2) {
            @Override
            public Report runPerCore(CoreAction action, Duration timeout) throws Exception {
                super.runPerCore(action, timeout);
                return new Report(1_000_000, 271_900_000, 272_900_000);
            }
        };
        LoadResult r = new LateLoader(cpus, slow).load(List.of(file(update(0xf4))), Options.defaults());
        assertThat(r.pauseExceeded()).isTrue();
        assertThat(r.warnings()).containsExactly("microcode: warning: guests paused 272.900 ms, longer than the 30 ms timeout");
        assertThat(r.lines()).contains("microcode: warning: guests paused 272.900 ms, longer than the 30 ms timeout");
        assertThat(r.decisions()).anySatisfy(d -> assertThat(d.toString())
                .isEqualTo("pause: warn: guests paused 272.900 ms, longer than the 30 ms timeout"));
    }

    @Test
    void oneThreadPerCoreIsPrintedAsSingleCpus() throws Exception {
        SimulatedCpus single = new SimulatedCpus(2, 1, CPU, RevisionEffects.NONE);
        LoadResult r = new LateLoader(single, new FakeStopMachine(2)).load(List.of(file(update(0xf4))), Options.defaults());
        assertThat(r.lines()).startsWith("microcode: CPU 0 (core 0): updated from revision 0xf0 to 0xf4, date = 2024-11-17",
                "microcode: CPU 1 (core 1): updated from revision 0xf0 to 0xf4, date = 2024-11-17",
                "microcode: load: updated on 2 primary CPUs with 0 siblings");
    }

    @Test
    void aZenPatchWhoseBytesAreNotTheOnesLinuxKnowsIsRefusedByTheDigestRule() {
        SimulatedCpus rome = new SimulatedCpus(2, 2, CpuIdentity.amd(0x00830f10, 0x08301072), RevisionEffects.SIMULATED);
        byte[] container = new AmdContainerBuilder().equivalence(0x00830f10, 0x8310)
                .patch(0x0830107a, 0x8310, 0x06022023, 3200).build();
        FakeStopMachine romeStop = new FakeStopMachine(2);
        assertThatThrownBy(() -> new LateLoader(rome, romeStop)
                .load(List.of(new Input("microcode_amd_fam17h.bin", container)), Options.defaults()))
                .hasMessageStartingWith("patch 0x0830107a (microcode_amd_fam17h.bin, patch 1 at byte offset 44) has SHA-256 ")
                .hasMessageEndingWith("the patch was altered; nothing loaded [rule amd-sha256]")
                .extracting(e -> ((LateLoadException) e).code()).isEqualTo(LateLoadException.Code.BAD_DIGEST);
        assertThat(romeStop.calls).isZero();
        assertThat(rome.readMsr(3, Msr.AMD_PATCH_LEVEL)).isEqualTo(0x08301072L);
    }

    private void assertUntouched() {
        assertThat(stop.calls).isZero();
        for (int p = 0; p < cpus.pcpus(); p++) {
            assertThat(cpus.readRevision(p)).isEqualTo(0xf0);
        }
    }
}
