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
    void aLineWhoseChecksumFailsIsSkippedNotFatal() throws Exception {
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            j.append(JournalRecord.begin("upload", "a", null));
            j.append(JournalRecord.begin("upload", "b", null));
        }
        Path file = dir.resolve(Journal.FILE);
        String text = Files.readString(file).replaceFirst("\"a\"", "\"x\"");
        Files.writeString(file, text);
        try (Journal j = Journal.open(dir, Clock.systemUTC(), HOST)) {
            assertThat(j.skippedAtOpen()).isEqualTo(1);
            assertThat(j.records()).extracting(JournalRecord::name).containsExactly("b");
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
