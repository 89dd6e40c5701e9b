package io.hotvisor.patch.applier.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * The append-only journal file, {@code journal.jsonl} in the state directory.
 *
 * <p>Format: one JSON object per line ({@link JournalRecord}), UTF-8, {@code \n}-terminated, whose
 * last member is {@code "crc":"xxxxxxxx"}: the CRC-32 (8 lowercase hex digits) of the line's
 * UTF-8 bytes as they would be without that member, that is of the text up to the member, with
 * the closing {@code }} put back. Every line is still plain JSON ({@code jq} reads it).
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
    private static final String CRC_MEMBER = ",\"crc\":\"";
    private static final int CRC_SUFFIX = CRC_MEMBER.length() + 8 + 2; // ,"crc":"xxxxxxxx"}

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
            byte[] all = Files.readAllBytes(file);
            List<JournalRecord> records = new ArrayList<>();
            int skipped = 0;
            int start = 0;
            int line = 0;
            long goodEnd = 0;
            String damage = null;
            while (start < all.length) {
                line++;
                int nl = indexOf(all, (byte) '\n', start);
                if (nl < 0) {
                    skipped++; // torn: the crash came before the newline
                    break;
                }
                JournalRecord r = parse(new String(all, start, nl - start, StandardCharsets.UTF_8));
                long expected = records.isEmpty() ? 1 : records.get(records.size() - 1).seq() + 1;
                if (r == null) {
                    damage = "line " + line + " (byte offset " + start + ") fails its checksum or is not a record";
                } else if (r.seq() != expected) {
                    damage = "line " + line + " (byte offset " + start + ") holds record " + r.seq() + " where record "
                            + expected + " belongs: a record was lost or inserted";
                }
                if (damage != null) {
                    break;
                }
                records.add(r);
                start = nl + 1;
                goodEnd = start;
            }
            if (damage == null && goodEnd < all.length) {
                channel.truncate(goodEnd);
                channel.force(true);
            }
            channel.position(damage == null ? goodEnd : all.length);
            return new Journal(file, channel, clock, hostBuildId, records, skipped, damage);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The record of one line, or {@code null} when its CRC or JSON is bad. */
    static JournalRecord parse(String line) {
        if (line.length() <= CRC_SUFFIX || !line.endsWith("\"}")) {
            return null;
        }
        int at = line.length() - CRC_SUFFIX;
        if (!line.startsWith(CRC_MEMBER, at)) {
            return null;
        }
        String body = line.substring(0, at) + "}";
        String crc = line.substring(at + CRC_MEMBER.length(), line.length() - 2);
        if (!crc.equals(crcOf(body))) {
            return null;
        }
        try {
            return JSON.readValue(body, JournalRecord.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** The line (with its newline) for a record. */
    static String format(JournalRecord record) {
        String body;
        try {
            body = JSON.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("journal record cannot be written as JSON", e);
        }
        return body.substring(0, body.length() - 1) + CRC_MEMBER + crcOf(body) + "\"}\n";
    }

    private static String crcOf(String text) {
        CRC32 crc = new CRC32();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue());
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
        Path aside;
        int n = 1;
        do {
            aside = file.resolveSibling(FILE + ".damaged-" + n++);
        } while (Files.exists(aside));
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        return aside;
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
