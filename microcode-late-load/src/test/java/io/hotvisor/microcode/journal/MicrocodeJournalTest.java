package io.hotvisor.microcode.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The microcode journal: records appended in sequence, a kept copy per file, and every kind of damage failing closed. */
class MicrocodeJournalTest {
    private static final Instant AT = Instant.parse("2026-12-06T02:00:00Z");

    @TempDir
    Path dir;

    private MicrocodeJournal journal() {
        return new MicrocodeJournal(dir);
    }

    @Test
    void recordsAreReadBackInOrderWithTheirFileCopies() throws Exception {
        MicrocodeJournal j = journal();
        assertThat(j.read()).isEmpty();
        byte[] a = "first file".getBytes(StandardCharsets.UTF_8);
        byte[] b = "second file".getBytes(StandardCharsets.UTF_8);
        j.append("06-8c-01", a, "intel", 0xbc, false, false, AT);
        j.append("06-8c-01", b, "intel", 0xb8, true, true, AT.plusSeconds(5));

        List<LoadRecord> all = journal().read();
        assertThat(all).containsExactly(
                new LoadRecord(1, AT, "06-8c-01", MicrocodeJournal.sha256(a), "intel", 0xbc, false, false),
                new LoadRecord(2, AT.plusSeconds(5), "06-8c-01", MicrocodeJournal.sha256(b), "intel", 0xb8, true, true));
        assertThat(journal().fileOf(all.get(1))).isEqualTo(b);
        assertThat(Files.readString(j.file())).startsWith(String.format("%08x\t{\"seq\":1,", crcOfFirstLine(j.file())));
    }

    @Test
    void aRecordWithAChangedByteIsRefusedNamingItsSequenceAndOffset() throws Exception {
        MicrocodeJournal j = journal();
        j.append("a", new byte[] {1}, "intel", 0xbc, false, false, AT);
        j.append("b", new byte[] {2}, "intel", 0xbd, false, false, AT);
        String text = Files.readString(j.file());
        int second = text.indexOf('\n') + 1;
        Files.writeString(j.file(), text.substring(0, second) + text.substring(second).replace("0xbd", "0xbe"));
        assertThatThrownBy(() -> journal().read())
                .isInstanceOf(JournalException.class)
                .hasMessageStartingWith("microcode journal " + j.file() + ": record 2 at byte offset " + second
                        + " is damaged: its CRC-32C is ");
    }

    @Test
    void aMissingOrRepeatedRecordIsRefused() throws Exception {
        MicrocodeJournal j = journal();
        j.append("a", new byte[] {1}, "intel", 0xbc, false, false, AT);
        String line = Files.readString(j.file());
        Files.writeString(j.file(), line + line);
        assertThatThrownBy(() -> journal().read())
                .hasMessageEndingWith("record 2 at byte offset " + line.length() + " is damaged: its sequence number is 1,"
                        + " expected 2 (a record is missing or repeated)");
    }

    @Test
    void aRecordCutShortIsRefusedNotSkipped() throws Exception {
        MicrocodeJournal j = journal();
        j.append("a", new byte[] {1}, "intel", 0xbc, false, false, AT);
        String line = Files.readString(j.file());
        Files.writeString(j.file(), line + line.substring(0, 20));
        assertThatThrownBy(() -> journal().read())
                .hasMessageEndingWith("is damaged: it has no line end (a write was cut short)");
        assertThatThrownBy(() -> journal().append("b", new byte[] {2}, "intel", 0xbd, false, false, AT))
                .as("nothing is appended after a damaged record").isInstanceOf(JournalException.class);
    }

    private static long crcOfFirstLine(Path file) throws Exception {
        String line = Files.readAllLines(file).get(0);
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(line.substring(9).getBytes(StandardCharsets.UTF_8));
        return c.getValue();
    }
}
