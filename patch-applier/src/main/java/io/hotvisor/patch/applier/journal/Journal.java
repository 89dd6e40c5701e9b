package io.hotvisor.patch.applier.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotvisor.journal.SealedLines;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The append-only journal file, {@code journal.jsonl} in the state directory.
 *
 * <p>Format: {@link SealedLines}, one {@link JournalRecord} per line: JSON sealed with its own
 * CRC-32, numbered by {@code seq}. Every line is still plain JSON ({@code jq} reads it).
 *
 * <p>Each {@link #append} writes one whole line and forces it to disk before returning. A crash
 * can leave only the last line incomplete: {@link #open} finds a last line with no newline (the
 * torn tail), reports it, and cuts the file back to the end of the last good line, so the next
 * record starts on a line of its own.
 *
 * <p>Anything else is damage, and damage is never skipped: a complete line whose CRC or JSON is
 * bad, or a record whose {@code seq} does not follow the one before it (a line lost or inserted),
 * stops the reading at that line. {@link #damage()} then says where and why, {@link #records()}
 * holds only the records before it, and the file is left exactly as found (the evidence), for the
 * agent to fail closed: a journal that cannot be trusted must not invent a payload's state. A
 * damaged journal refuses appends until it is {@link #setAside set aside}. Thread-safe.
 */
public final class Journal implements AutoCloseable {
    /** File name inside the state directory. */
    public static final String FILE = "journal.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;
    private final FileChannel channel;
    private final Clock clock;
    private final String hostBuildId;
    private final List<JournalRecord> records;
    private final int skipped;
    private final String damage;
    private long nextSeq;

    private Journal(Path file, FileChannel channel, Clock clock, String hostBuildId, List<JournalRecord> records, int skipped,
                    String damage) {
        this.file = file;
        this.channel = channel;
        this.clock = clock;
        this.hostBuildId = hostBuildId;
        this.records = records;
        this.skipped = skipped;
        this.damage = damage;
        this.nextSeq = records.isEmpty() ? 1 : records.get(records.size() - 1).seq() + 1;
    }

    /**
     * Opens (creating when absent) the journal in {@code stateDir}, reads every good record and
     * cuts a torn last line.
     *
     * @param hostBuildId stamped on every record this instance appends
     */
    public static Journal open(Path stateDir, Clock clock, String hostBuildId) throws IOException {
        Files.createDirectories(stateDir);
        Path file = stateDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            SealedLines.Scan<JournalRecord> scan = SealedLines.scan(Files.readAllBytes(file), Journal::parseJson, JournalRecord::seq);
            if (scan.damage() == null && scan.torn()) {
                channel.truncate(scan.goodEnd());
                channel.force(true);
            }
            channel.position(scan.damage() == null ? scan.goodEnd() : channel.size());
            return new Journal(file, channel, clock, hostBuildId, new ArrayList<>(scan.records()), scan.torn() ? 1 : 0,
                    scan.damage());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The record of one line, or {@code null} when its CRC or JSON is bad. */
    static JournalRecord parse(String line) {
        String json = SealedLines.unseal(line);
        return json == null ? null : parseJson(json);
    }

    private static JournalRecord parseJson(String json) {
        try {
            return JSON.readValue(json, JournalRecord.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** The line (with its newline) for a record. */
    static String format(JournalRecord record) {
        try {
            return SealedLines.seal(JSON.writeValueAsString(record));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("journal record cannot be written as JSON", e);
        }
    }

    /**
     * Appends one record (stamping seq, time and host build-id) and forces it to disk.
     *
     * @return the record as written
     */
    public synchronized JournalRecord append(JournalRecord record) throws IOException {
        Objects.requireNonNull(record, "record");
        if (damage != null) {
            throw new IOException("the journal " + file + " is damaged (" + damage + "); nothing is appended to it");
        }
        JournalRecord stamped = record.stamped(nextSeq, DateTimeFormatter.ISO_INSTANT.format(clock.instant()), hostBuildId);
        ByteBuffer buffer = ByteBuffer.wrap(format(stamped).getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        channel.force(false);
        nextSeq++;
        return stamped;
    }

    /**
     * Every good record read at open, in order. Records appended since are on disk only, so a host
     * that runs for months does not hold its whole history in memory.
     */
    public synchronized List<JournalRecord> records() {
        return List.copyOf(records);
    }

    /** How many lines {@link #open} cut: a torn last line (0 or 1). */
    public int skippedAtOpen() {
        return skipped;
    }

    /** Where and why the journal is damaged, or null when every record up to a torn tail was good. */
    public String damage() {
        return damage;
    }

    /**
     * Moves this (closed) journal's file aside to {@code FILE.damaged-N} beside it, keeping the
     * evidence, so that a new journal can be started.
     *
     * @return the file it now is
     */
    public Path setAside() throws IOException {
        close();
        return SealedLines.setAside(file);
    }

    /** The journal file. */
    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
