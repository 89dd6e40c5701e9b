package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.journal.Journal;
import io.hotvisor.patch.applier.journal.JournalRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/** Reads a journal as recovery would, for assertions. */
final class JournalTestSupport {
    private JournalTestSupport() {
    }

    static List<JournalRecord> read(Path file) {
        try (Journal j = Journal.open(file.getParent(), Clock.systemUTC(), "00".repeat(32))) {
            return j.records();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
