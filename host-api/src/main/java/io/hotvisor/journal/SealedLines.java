package io.hotvisor.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import java.util.zip.CRC32;

/**
 * Sealed JSON lines: the format of the host's append-only logs.
 *
 * <p>Each line is one JSON object, UTF-8, {@code \n}-terminated, whose last member is
 * {@code "crc":"xxxxxxxx"}: the CRC-32 (8 lowercase hex digits) of the line's bytes as they would
 * be without that member, that is of the text up to the member with the closing {@code }} put
 * back. Every line stays plain JSON ({@code jq} reads it). Records are numbered from 1, one more per
 * line, so a lost or inserted line is seen as well as a changed one.
 *
 * <p>{@link #scan} reads a whole file: a last line without its newline is the torn tail a crash
 * leaves (expected, to be cut); anything else that is wrong is damage, and reading stops there.
 */
public final class SealedLines {
    private static final String CRC_MEMBER = ",\"crc\":\"";
    private static final int CRC_SUFFIX = CRC_MEMBER.length() + 8 + 2; // ,"crc":"xxxxxxxx"}

    private SealedLines() {
    }

    /**
     * Moves a damaged log {@code file} aside to {@code NAME.damaged-N} beside it (the first N not
     * taken), keeping it byte for byte as evidence, so that a new log can start in its place.
     *
     * @return the file it now is
     */
    public static Path setAside(Path file) throws IOException {
        Path aside;
        int n = 1;
        do {
            aside = file.resolveSibling(file.getFileName() + ".damaged-" + n++);
        } while (Files.exists(aside));
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        return aside;
    }

    /** The line, newline included, for a JSON object's text {@code json} ({@code {...}}). */
    public static String seal(String json) {
        if (json.length() < 2 || json.charAt(0) != '{' || json.charAt(json.length() - 1) != '}') {
            throw new IllegalArgumentException("not a JSON object: " + json);
        }
        return json.substring(0, json.length() - 1) + CRC_MEMBER + crcOf(json) + "\"}\n";
    }

    /** The JSON object a line (without its newline) seals, or null when its seal is missing or wrong. */
    public static String unseal(String line) {
        if (line.length() <= CRC_SUFFIX || !line.endsWith("\"}")) {
            return null;
        }
        int at = line.length() - CRC_SUFFIX;
        if (!line.startsWith(CRC_MEMBER, at)) {
            return null;
        }
        String body = line.substring(0, at) + "}";
        String crc = line.substring(at + CRC_MEMBER.length(), line.length() - 2);
        return crc.equals(crcOf(body)) ? body : null;
    }

    /**
     * What a file holds.
     *
     * @param records  the records of every good line, in order
     * @param goodEnd  the byte offset just past the last good line
     * @param torn     whether a last line without its newline follows (to be cut)
     * @param damage   where and why reading stopped before the end, or null
     */
    public record Scan<R>(List<R> records, long goodEnd, boolean torn, String damage) {
        public Scan {
            records = List.copyOf(records);
        }
    }

    /** How a line's JSON becomes a record: null when it is not one. */
    @FunctionalInterface
    public interface Parser<R> {
        R parse(String json);
    }

    /**
     * Reads every line of {@code all}, checking each seal and that the records are numbered 1, 2, ...
     *
     * @param seqOf a record's number
     */
    public static <R> Scan<R> scan(byte[] all, Parser<R> parser, ToLongFunction<R> seqOf) {
        List<R> records = new ArrayList<>();
        int start = 0;
        int line = 0;
        long expected = 1;
        while (start < all.length) {
            line++;
            int nl = indexOf(all, start);
            if (nl < 0) {
                return new Scan<>(records, start, true, null);
            }
            String json = unseal(new String(all, start, nl - start, StandardCharsets.UTF_8));
            R r = json == null ? null : parser.parse(json);
            if (r == null) {
                return new Scan<>(records, start, false, "line " + line + " (byte offset " + start
                        + ") fails its checksum or is not a record");
            }
            if (seqOf.applyAsLong(r) != expected) {
                return new Scan<>(records, start, false, "line " + line + " (byte offset " + start + ") holds record "
                        + seqOf.applyAsLong(r) + " where record " + expected + " belongs: a record was lost or inserted");
            }
            records.add(r);
            expected++;
            start = nl + 1;
        }
        return new Scan<>(records, start, false, null);
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static String crcOf(String text) {
        CRC32 crc = new CRC32();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue());
    }
}
