package io.hotvisor.patch.applier.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JournalTest {
    private static final String HOST = "ab".repeat(32);

    @TempDir
    Path dir;

    @Test
    void everyLineIsPlainJsonEndingWithItsCrc() throws Exception {
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            JournalRecord b = j.append(JournalRecord.begin("apply", "fix-1", "cd".repeat(32)));
            j.append(JournalRecord.end(b, JournalRecord.OK, null, null));
        }
        List<String> lines = Files.readAllLines(dir.resolve(Journal.FILE));
        assertThat(lines).hasSize(2);
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            assertThat(json.readTree(line).get("crc").asText()).matches("[0-9a-f]{8}");
        }
        assertThat(json.readTree(lines.get(1)).get("begin").asLong()).isEqualTo(1);
    }

    @Test
    void recordsSurviveAReopenInOrderAndSequenceNumbersContinue() throws Exception {
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            j.append(JournalRecord.begin("upload", "a", null));
        }
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            assertThat(j.records()).hasSize(1);
            assertThat(j.append(JournalRecord.begin("upload", "b", null)).seq()).isEqualTo(2);
        }
    }

    @Test
    void aLineWhoseChecksumFailsStopsTheReadingThereAndIsReportedAsDamage() throws Exception {
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            j.append(JournalRecord.begin("upload", "a", null));
            j.append(JournalRecord.begin("upload", "b", null));
            j.append(JournalRecord.begin("upload", "c", null));
        }
        Path file = dir.resolve(Journal.FILE);
        String before = Files.readString(file).replaceFirst("\"b\"", "\"x\"");
        Files.writeString(file, before);
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            assertThat(j.damage()).startsWith("line 2 ").contains("checksum");
            assertThat(j.records()).extracting(JournalRecord::name).containsExactly("a");
            assertThatThrownBy(() -> j.append(JournalRecord.begin("upload", "d", null)))
                    .isInstanceOf(java.io.IOException.class).hasMessageContaining("damaged");
        }
        assertThat(Files.readString(file)).as("the evidence is left as found").isEqualTo(before);
    }

    @Test
    void aLostRecordIsDamageEvenWhenEveryLineIsWellFormed() throws Exception {
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            j.append(JournalRecord.begin("upload", "a", null));
            j.append(JournalRecord.begin("upload", "b", null));
            j.append(JournalRecord.begin("upload", "c", null));
        }
        Path file = dir.resolve(Journal.FILE);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(file));
        lines.remove(1);
        Files.write(file, lines);
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            assertThat(j.damage()).contains("holds record 3 where record 2 belongs");
            assertThat(j.records()).extracting(JournalRecord::name).containsExactly("a");
        }
    }

    @Test
    void aDamagedJournalIsSetAsideAndANewOneStarts() throws Exception {
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            j.append(JournalRecord.begin("upload", "a", null));
        }
        Path file = dir.resolve(Journal.FILE);
        Files.writeString(file, Files.readString(file).replace("upload", "uplaod"));
        Path aside;
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            assertThat(j.damage()).isNotNull();
            aside = j.setAside();
        }
        assertThat(aside.getFileName().toString()).isEqualTo(Journal.FILE + ".damaged-1");
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            assertThat(j.damage()).isNull();
            assertThat(j.records()).isEmpty();
        }
    }

    @Test
    void aTornLastLineIsCutSoTheNextRecordStartsOnItsOwnLine() throws Exception {
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            j.append(JournalRecord.begin("upload", "a", null));
        }
        Path file = dir.resolve(Journal.FILE);
        long good = Files.size(file);
        Files.writeString(file, "{\"seq\":2,\"ti", StandardOpenOption.APPEND);
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            assertThat(j.skippedAtOpen()).isEqualTo(1);
            assertThat(Files.size(file)).isEqualTo(good);
            j.append(JournalRecord.begin("upload", "b", null));
        }
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            assertThat(j.skippedAtOpen()).isZero();
            assertThat(j.records()).extracting(JournalRecord::name).containsExactly("a", "b");
        }
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).endsWith("\"}\n");
    }

    @Test
    void replayBuildsTheStackAndFindsActionsThatNeverEnded() {
        List<JournalRecord> records = List.of(
                rec(1, "upload", "begin", "a", null, null), rec(2, "upload", "end", "a", 1L, "ok"),
                rec(3, "upload", "begin", "b", null, null), rec(4, "upload", "end", "b", 3L, "ok"),
                rec(5, "apply", "begin", "a", null, null), rec(6, "apply", "end", "a", 5L, "ok"),
                rec(7, "apply", "begin", "b", null, null), rec(8, "apply", "end", "b", 7L, "failed"),
                rec(9, "apply", "begin", "b", null, null));
        Replay r = Replay.of(records);
        assertThat(r.uploaded().keySet()).containsExactly("a", "b");
        assertThat(r.applied()).containsExactly("a");
        assertThat(r.interrupted()).extracting(JournalRecord::seq).containsExactly(9L);
    }

    @Test
    void aRecoverRecordStartsANewJvmWithNothingApplied() {
        List<JournalRecord> records = List.of(
                rec(1, "apply", "begin", "a", null, null), rec(2, "apply", "end", "a", 1L, "ok"),
                rec(3, "recover", "begin", null, null, null),
                rec(4, "apply", "begin", "a", null, null));
        Replay r = Replay.of(records);
        assertThat(r.applied()).isEmpty();
        assertThat(r.interrupted()).extracting(JournalRecord::seq).containsExactly(3L, 4L);
    }

    private static JournalRecord rec(long seq, String action, String phase, String name, Long begin, String outcome) {
        return new JournalRecord(seq, null, HOST, action, phase, name, null, null, null, null, begin, outcome, null, null);
    }
}
