package io.hotvisor.patch.applier;

import io.hotvisor.control.Taints;
import io.hotvisor.patch.applier.journal.Journal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Fail closed: a journal that cannot be trusted, or a state directory that cannot be used, leaves
 * the agent DEGRADED. It invents no payload state (nothing is re-applied), refuses every action
 * naming why, shows why in the listing, and leaves only through the operator's explicit recovery,
 * which first says what it will do. All with real files on disk.
 */
class DegradedStateTest {
    @TempDir
    Path dir;

    /** a and b applied, b reverted (the record whose loss would resurrect it), w uploaded. */
    private Path journaledHistory() throws Exception {
        Path state = dir.resolve("original");
        try (Harness h = new Harness(state)) {
            Payloads a = Payloads.named("a").redefine("fix.Greeter", "v1", "v2");
            h.agent.upload("a", a.bytes());
            h.agent.upload("b", Payloads.named("b").redefine("fix.Greeter", "v2", "v3").dependsOn(a.buildId()).bytes());
            h.agent.upload("w", Payloads.named("w").redefine("fix.Worker", "v1", "v2").bytes());
            h.agent.apply("a");
            h.agent.apply("b");
            h.agent.revert("b");
        }
        return state;
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** Flips one bit in the middle of line {@code index} (0-based) of the journal. */
    private static void flipBitInLine(Path journal, int index) throws Exception {
        byte[] bytes = Files.readAllBytes(journal);
        int line = 0;
        int start = 0;
        for (int i = 0; i < bytes.length && line < index; i++) {
            if (bytes[i] == '\n') {
                line++;
                start = i + 1;
            }
        }
        int end = start;
        while (bytes[end] != '\n') {
            end++;
        }
        bytes[start + (end - start) / 2] ^= 0x02;
        Files.write(journal, bytes);
    }

    @Test
    void aBitFlipInAnyRecordLeavesTheAgentDegradedWithNothingReapplied() throws Exception {
        Path original = journaledHistory();
        int lines = Files.readAllLines(original.resolve(Journal.FILE)).size();
        assertThat(lines).isGreaterThanOrEqualTo(12);
        for (int i = 0; i < lines; i++) {
            Path state = dir.resolve("flip-" + i);
            copy(original, state);
            flipBitInLine(state.resolve(Journal.FILE), i);
            try (Harness h = Harness.restarted(state, FixtureBundle.hostBuildId())) {
                RecoveryReport report = h.agent.recover();
                assertThat(h.agent.degraded()).as("record %d flipped", i + 1).isPresent();
                assertThat(h.agent.degraded().orElseThrow()).contains("line " + (i + 1) + " ");
                assertThat(report.reuploaded()).isEmpty();
                assertThat(report.reapplied()).isEmpty();
                assertThat(h.greet()).as("no payload state invented").isEqualTo("v1");
                Listing listing = h.agent.list();
                assertThat(listing.degraded()).isNotNull();
                assertThat(listing.payloads()).isEmpty();
                LivepatchException e = catchThrowableOfType(
                        () -> h.agent.upload("a", Payloads.named("a").redefine("fix.Greeter", "v1", "v2").bytes()),
                        LivepatchException.class);
                assertThat(e.code()).isEqualTo(ErrorCode.DEGRADED);
                assertThat(e.getMessage()).contains("hvctl livepatch recover");
                assertThat(h.events).anyMatch(ev -> ev.level() == System.Logger.Level.ERROR && ev.message().contains("DEGRADED"));
            }
        }
    }

    @Test
    void recoverySaysWhatItWillDoThenUploadsTheIntactPayloadsAndAppliesNone() throws Exception {
        Path state = journaledHistory();
        int lines = Files.readAllLines(state.resolve(Journal.FILE)).size();
        flipBitInLine(state.resolve(Journal.FILE), lines - 1);
        try (Harness h = Harness.restarted(state, FixtureBundle.hostBuildId())) {
            h.agent.recover();
            List<String> plan = h.agent.repair(false);
            assertThat(String.join("\n", plan)).contains("is damaged").contains("uploaded [a, b, w]")
                    .contains("applies none").contains("--confirm");
            assertThat(h.agent.degraded()).as("a plan changes nothing").isPresent();

            List<String> done = h.agent.repair(true);
            assertThat(String.join("\n", done)).contains("kept the damaged journal as").contains("uploaded a again");
            assertThat(h.agent.degraded()).isEmpty();
            assertThat(h.agent.list().payloads()).extracting(PayloadStatus::state)
                    .containsOnly(PayloadState.CHECKED).hasSize(3);
            assertThat(h.agent.list().applied()).isEmpty();
            assertThat(Files.exists(state.resolve(Journal.FILE + ".damaged-1"))).isTrue();
            h.agent.apply("a");
            assertThat(h.greet()).isEqualTo("v2");
        }
        try (Harness again = Harness.restarted(state, FixtureBundle.hostBuildId())) {
            assertThat(again.agent.recover().reapplied()).as("the new journal is whole").containsExactly("a");
            assertThat(again.agent.degraded()).isEmpty();
        }
    }

    @Test
    void anUnusableStateDirectoryLeavesTheAgentDegradedUntilItCanBeUsedAgain() throws Exception {
        Path state = dir.resolve("state");
        Files.writeString(state, "not a directory");
        try (Harness h = new Harness(state)) {
            assertThat(h.agent.degraded().orElseThrow()).contains("cannot be used");
            assertThat(h.taints.marks()).extracting(Taints.Mark::flag).containsExactly(Taints.Flag.DEGRADED);
            assertThat(h.agent.recover().lines().get(0)).contains("DEGRADED");
            LivepatchException refused = catchThrowableOfType(() -> h.agent.apply("a"), LivepatchException.class);
            assertThat(refused.code()).isEqualTo(ErrorCode.DEGRADED);

            LivepatchException still = catchThrowableOfType(() -> h.agent.repair(true), LivepatchException.class);
            assertThat(still.code()).isEqualTo(ErrorCode.IO_ERROR);
            assertThat(h.agent.degraded()).isPresent();

            Files.delete(state);
            assertThat(String.join("\n", h.agent.repair(true))).contains("no longer DEGRADED");
            assertThat(h.agent.degraded()).isEmpty();
            h.agent.upload("a", Payloads.named("a").redefine("fix.Greeter", "v1", "v2").bytes());
            h.agent.apply("a");
            assertThat(h.greet()).isEqualTo("v2");
            // A taint stays until the host restarts: the host was degraded once.
            assertThat(h.taints.marks()).extracting(Taints.Mark::flag).containsExactly(Taints.Flag.LIVEPATCH, Taints.Flag.DEGRADED);
        }
    }
}
