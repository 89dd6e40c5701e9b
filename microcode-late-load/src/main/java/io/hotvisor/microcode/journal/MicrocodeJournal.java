package io.hotvisor.microcode.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The microcode journal: {@code DIR/journal}, one record per successful late load, and
 * {@code DIR/files/SHA256}, a copy of each loaded file (the host never reads operator paths, so
 * the copy is what a restart loads).
 *
 * <p>Format: one line per record, {@code CRC<TAB>JSON}, where CRC is the CRC-32C of the JSON's
 * UTF-8 bytes in 8 hex digits and the JSON holds {@code seq} (1, 2, …), {@code at}, {@code file},
 * {@code sha256}, {@code vendor}, {@code revision} ({@code 0x%x}), {@code forced} and {@code unsafe}.
 * Records are only appended, each written and forced to disk in one write; the file copy is
 * written (to a temporary name, forced, renamed) before its record. Reading fails closed: a record
 * whose CRC, sequence, syntax or line end is wrong stops the read with a message naming the
 * record and its byte offset; nothing after it is trusted.
 *
 * <p>Not thread-safe on its own: the loader serialises its calls.
 */
public final class MicrocodeJournal {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path journal;
    private final Path files;

    public MicrocodeJournal(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.journal = dir.resolve("journal");
        this.files = dir.resolve("files");
    }

    /** The journal file. */
    public Path file() {
        return journal;
    }

    /** Where the copy of the file with this digest is kept. */
    public Path copyOf(String sha256) {
        return files.resolve(sha256);
    }

    /**
     * Every record, in order; empty when there is no journal yet.
     *
     * @throws JournalException when a record is damaged or out of sequence
     */
    public List<LoadRecord> read() throws JournalException {
        byte[] all;
        try {
            all = Files.readAllBytes(journal);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new JournalException("cannot read the microcode journal " + journal + ": " + e.getMessage(), e);
        }
        List<LoadRecord> out = new ArrayList<>();
        int offset = 0;
        while (offset < all.length) {
            int nl = indexOf(all, (byte) '\n', offset);
            long expected = out.size() + 1;
            if (nl < 0) {
                throw damaged(expected, offset, "it has no line end (a write was cut short)");
            }
            String line = new String(all, offset, nl - offset, StandardCharsets.UTF_8);
            out.add(parse(line, expected, offset));
            offset = nl + 1;
        }
        return out;
    }

    /** The last record, if any. */
    public Optional<LoadRecord> last() throws JournalException {
        List<LoadRecord> all = read();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * Keeps a copy of {@code data} and appends a record of its load.
     *
     * @return the record written
     * @throws JournalException when the journal is damaged or the disk refuses the write
     */
    public LoadRecord append(String file, byte[] data, String vendor, int revision, boolean forced, boolean unsafe,
            Instant at) throws JournalException {
        long sequence = read().size() + 1L;
        String sha256 = sha256(data);
        LoadRecord r = new LoadRecord(sequence, at, file, sha256, vendor, revision, forced, unsafe);
        try {
            Files.createDirectories(files);
            Path copy = copyOf(sha256);
            if (!Files.exists(copy) || !sha256(Files.readAllBytes(copy)).equals(sha256)) {
                Path tmp = files.resolve(sha256 + ".tmp");
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ch.write(ByteBuffer.wrap(data));
                    ch.force(true);
                }
                Files.move(tmp, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            byte[] line = format(r).getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ByteBuffer b = ByteBuffer.wrap(line);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
        } catch (IOException e) {
            throw new JournalException("cannot write the microcode journal in " + dir + ": " + e.getMessage(), e);
        }
        return r;
    }

    /**
     * The kept copy of the file {@code r} loaded, checked against its digest.
     *
     * @throws JournalException when the copy is gone or its bytes changed
     */
    public byte[] fileOf(LoadRecord r) throws JournalException {
        Path copy = copyOf(r.sha256());
        byte[] data;
        try {
            data = Files.readAllBytes(copy);
        } catch (NoSuchFileException e) {
            throw new JournalException("microcode journal record " + r.sequence() + ": the loaded file " + r.file()
                    + " (sha256 " + r.sha256() + ") is gone from " + files);
        } catch (IOException e) {
            throw new JournalException("microcode journal record " + r.sequence() + ": cannot read " + copy + ": "
                    + e.getMessage(), e);
        }
        String actual = sha256(data);
        if (!actual.equals(r.sha256())) {
            throw new JournalException("microcode journal record " + r.sequence() + ": the loaded file " + r.file()
                    + " changed: " + copy + " has sha256 " + actual + ", the journal recorded " + r.sha256());
        }
        return data;
    }

    /** Lower-case hex SHA-256. */
    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    static String format(LoadRecord r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("seq", r.sequence());
        o.put("at", r.at().toString());
        o.put("file", r.file());
        o.put("sha256", r.sha256());
        o.put("vendor", r.vendor());
        o.put("revision", "0x" + Integer.toHexString(r.revision()));
        o.put("forced", r.forced());
        o.put("unsafe", r.unsafe());
        String json = o.toString();
        return String.format("%08x\t%s\n", crc(json.getBytes(StandardCharsets.UTF_8)), json);
    }

    private LoadRecord parse(String line, long expected, int offset) throws JournalException {
        int tab = line.indexOf('\t');
        if (tab != 8) {
            throw damaged(expected, offset, "it does not start with an 8-digit CRC and a tab");
        }
        String json = line.substring(tab + 1);
        long crc;
        try {
            crc = Long.parseLong(line.substring(0, 8), 16);
        } catch (NumberFormatException e) {
            throw damaged(expected, offset, "its CRC '" + line.substring(0, 8) + "' is not hex");
        }
        long actual = crc(json.getBytes(StandardCharsets.UTF_8));
        if (crc != actual) {
            throw damaged(expected, offset, String.format("its CRC-32C is %08x, the record says %08x", actual, crc));
        }
        try {
            JsonNode o = JSON.readTree(json);
            long seq = o.path("seq").asLong(-1);
            if (seq != expected) {
                throw damaged(expected, offset, "its sequence number is " + seq + ", expected " + expected
                        + " (a record is missing or repeated)");
            }
            String revision = o.path("revision").asText("");
            if (!revision.startsWith("0x")) {
                throw damaged(expected, offset, "its revision '" + revision + "' is not hex");
            }
            return new LoadRecord(seq, Instant.parse(o.path("at").asText()), o.path("file").asText(),
                    o.path("sha256").asText(), o.path("vendor").asText(),
                    Integer.parseUnsignedInt(revision.substring(2), 16), o.path("forced").asBoolean(),
                    o.path("unsafe").asBoolean());
        } catch (JournalException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw damaged(expected, offset, "its fields cannot be read: " + e.getMessage());
        }
    }

    private JournalException damaged(long record, int offset, String why) {
        return new JournalException("microcode journal " + journal + ": record " + record + " at byte offset " + offset
                + " is damaged: " + why);
    }

    private static long crc(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return c.getValue();
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
