package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.journal.Journal;
import io.hotvisor.patch.applier.journal.JournalRecord;
import io.hotvisor.patch.format.BuildId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A host restarted on the same state directory: each "restart" is a new agent over a fresh class
 * loader of the v1 bundle, as a new JVM would load it.
 */
class RecoveryTest {
    @TempDir
    Path state;

    private BuildId stackOfTwoAndOneChecked() throws Exception {
        try (Harness first = new Harness(state)) {
            Payloads a = Payloads.named("a").redefine("fix.Greeter", "v1", "v2");
            first.agent.upload("a", a.bytes());
            first.agent.upload("b", Payloads.named("b").redefine("fix.Greeter", "v2", "v3").dependsOn(a.buildId()).bytes());
            first.agent.upload("w", Payloads.named("w").redefine("fix.Worker", "v1", "v2").bytes());
            first.agent.apply("a");
            first.agent.apply("b");
            assertThat(first.greet()).isEqualTo("v3");
            return a.buildId();
        }
    }

    @Test
    void aRestartedHostReappliesTheJournaledStackInOrder() throws Exception {
        stackOfTwoAndOneChecked();
        try (Harness second = Harness.restarted(state, FixtureBundle.hostBuildId())) {
            assertThat(second.greet()).isEqualTo("v1");
            RecoveryReport report = second.agent.recover();
            assertThat(report.reuploaded()).containsExactly("a", "b", "w");
            assertThat(report.reapplied()).containsExactly("a", "b");
            assertThat(report.interrupted()).isEmpty();
            assertThat(report.lines()).anyMatch(l -> l.startsWith("re-applied a"));
            assertThat(second.greet()).isEqualTo("v3");
            assertThat(second.agent.list().applied()).containsExactly("a", "b");
            assertThat(second.agent.get("w").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);
        }
        // And again: the re-applies were journaled, so a third boot finds the same stack.
        try (Harness third = Harness.restarted(state, FixtureBundle.hostBuildId())) {
            assertThat(third.agent.recover().reapplied()).containsExactly("a", "b");
        }
    }

    @Test
    void aTornLastRecordIsIgnoredAndCutOff() throws Exception {
        stackOfTwoAndOneChecked();
        Path journal = state.resolve(Journal.FILE);
        Files.writeString(journal, "{\"seq\":99,\"time\":\"2026-01-01T00:0", StandardOpenOption.APPEND);
        try (Harness second = Harness.restarted(state, FixtureBundle.hostBuildId())) {
            RecoveryReport report = second.agent.recover();
            assertThat(report.skippedRecords()).isEqualTo(1);
            assertThat(report.lines().get(0)).contains("ignored 1 damaged journal record");
            assertThat(report.reapplied()).containsExactly("a", "b");
        }
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            assertThat(line).startsWith("{\"seq\":").endsWith("\"}");
        }
        assertThat(JournalTestSupport.read(journal)).isNotEmpty();
    }

    @Test
    void anApplyWithoutItsEndRecordIsReportedAndTreatedAsNotApplied() throws Exception {
        stackOfTwoAndOneChecked();
        // The host died inside the window of "apply w": its begin record is on disk, its end is not.
        try (Journal j = Journal.open(state, Clock.systemUTC(), FixtureBundle.hostBuildId().hex())) {
            j.append(JournalRecord.begin("apply", "w", null));
        }
        try (Harness second = Harness.restarted(state, FixtureBundle.hostBuildId())) {
            RecoveryReport report = second.agent.recover();
            assertThat(report.interrupted()).containsExactly("apply w");
            assertThat(report.lines()).anyMatch(l -> l.contains("apply w was interrupted") && l.contains("treated as not applied"));
            assertThat(report.reapplied()).containsExactly("a", "b");
            assertThat(second.agent.get("w").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);
        }
        try (Harness third = Harness.restarted(state, FixtureBundle.hostBuildId())) {
            assertThat(third.agent.recover().interrupted()).as("reported once, then closed in the journal").isEmpty();
        }
    }

    @Test
    void aHostOfAnotherBuildRefusesToReapplyTheStackLoudly() throws Exception {
        stackOfTwoAndOneChecked();
        BuildId other = BuildId.parse("cd".repeat(32));
        try (Harness second = Harness.restarted(state, other)) {
            LivepatchException e = catchThrowableOfType(() -> second.agent.recover(), LivepatchException.class);
            assertThat(e.code()).isEqualTo(ErrorCode.RECOVERY_REFUSED);
            assertThat(e.getMessage()).contains(FixtureBundle.hostBuildId().hex()).contains(other.hex())
                    .contains("NOT re-applied");
            assertThat(second.greet()).isEqualTo("v1");
            assertThat(second.events).anyMatch(ev -> ev.level() == System.Logger.Level.ERROR);
        }
    }

    @Test
    void everyActionIsJournaledBeforeAndAfterWithItsOutcome() throws Exception {
        try (Harness h = new Harness(state)) {
            h.agent.upload("a", Payloads.named("a").redefine("fix.Greeter", "v1", "v2").bytes());
            h.agent.apply("a");
            catchThrowableOfType(() -> h.agent.unload("a"), LivepatchException.class);
            h.agent.revert("a");
            h.agent.unload("a");
            List<JournalRecord> records = JournalTestSupport.read(h.agent.journalFile());
            assertThat(records).extracting(r -> r.action() + " " + r.phase() + (r.outcome() == null ? "" : " " + r.outcome()))
                    .containsExactly("upload begin", "upload end ok", "apply begin", "apply end ok",
                            "unload begin", "unload end refused", "revert begin", "revert end ok",
                            "unload begin", "unload end ok");
            assertThat(records).allSatisfy(r -> assertThat(r.hostBuildId()).isEqualTo(FixtureBundle.hostBuildId().hex()));
            assertThat(records.get(5).code()).isEqualTo("WRONG_STATE");
            assertThat(records.get(3).begin()).isEqualTo(records.get(2).seq());
        }
    }
}
