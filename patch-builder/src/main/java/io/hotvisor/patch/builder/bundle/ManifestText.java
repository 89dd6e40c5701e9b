package io.hotvisor.patch.builder.bundle;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

/**
 * Edits one main-section header of a {@code META-INF/MANIFEST.MF} as text, leaving every other
 * byte as it was. {@link Manifest#write} would keep the headers' values and order but re-wrap and
 * re-order some lines ({@code Manifest-Version} first), so a jar rebuilt that way would differ from
 * the distribution's in more than the one header that has to change. Stateless.
 *
 * <p>Manifest syntax (JAR File Specification, "Manifest Specification"): a header is a line
 * {@code Name: value} followed by continuation lines that start with one space; no line is longer
 * than 72 bytes; the main section ends at the first empty line.
 */
final class ManifestText {
    private static final int MAX_LINE = 72;

    private ManifestText() {
    }

    /** The value of a main-section header, read as the JDK reads it; empty when absent or unreadable. */
    static Optional<String> mainHeader(byte[] manifest, String name) {
        try {
            return Optional.ofNullable(parse(manifest).getMainAttributes().getValue(name));
        } catch (UncheckedIOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The manifest with the main-section header {@code name} set to {@code value}, wrapped at 72
     * bytes with the manifest's own line break; all other bytes as they were.
     *
     * @throws IllegalArgumentException if the main section has no such header
     */
    static byte[] withMainHeader(byte[] manifest, String name, String value) {
        // ISO-8859-1 maps every byte to one char and back, so untouched bytes survive whatever they encode.
        String text = new String(manifest, StandardCharsets.ISO_8859_1);
        String eol = text.contains("\r\n") ? "\r\n" : text.indexOf('\r') >= 0 ? "\r" : "\n";
        int start = -1;
        int end = -1;
        for (int pos = 0; pos < text.length(); ) {
            int lineEnd = lineEnd(text, pos);
            int next = afterBreak(text, lineEnd);
            if (lineEnd == pos) {
                break; // the empty line that ends the main section
            }
            boolean continuation = text.charAt(pos) == ' ';
            if (start >= 0 && !continuation) {
                break;
            }
            if (start < 0 && !continuation && text.regionMatches(true, pos, name + ":", 0, name.length() + 1)) {
                start = pos;
            }
            if (start >= 0) {
                end = next;
            }
            pos = next;
        }
        if (start < 0) {
            throw new IllegalArgumentException("the manifest has no " + name + " header in its main section");
        }
        boolean brokeLine = end > start && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r');
        String encoded = new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        String header = wrap(text.substring(start, start + name.length()) + ": " + encoded, eol) + (brokeLine ? eol : "");
        byte[] out = (text.substring(0, start) + header + text.substring(end)).getBytes(StandardCharsets.ISO_8859_1);
        check(manifest, out, name, value);
        return out;
    }

    /**
     * A header line (one char per byte, UTF-8 encoded) split into lines of at most 72 bytes,
     * continuation lines starting with a space.
     */
    private static String wrap(String line, String eol) {
        byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length <= MAX_LINE) {
            return line;
        }
        StringBuilder out = new StringBuilder();
        int at = 0;
        int room = MAX_LINE;
        while (at < bytes.length) {
            int n = Math.min(room, bytes.length - at);
            // never split a UTF-8 sequence: back off to the start of a character
            while (at + n < bytes.length && (bytes[at + n] & 0xC0) == 0x80) {
                n--;
            }
            if (at > 0) {
                out.append(eol).append(' ');
            }
            out.append(new String(bytes, at, n, StandardCharsets.ISO_8859_1));
            at += n;
            room = MAX_LINE - 1;
        }
        return out.toString();
    }

    /** What the JDK reads from the edited manifest is the original with only that header changed. */
    private static void check(byte[] before, byte[] after, String name, String value) {
        Manifest expected = parse(before);
        expected.getMainAttributes().put(new Attributes.Name(name), value);
        Manifest got = parse(after);
        if (!got.getMainAttributes().equals(expected.getMainAttributes()) || !got.getEntries().equals(expected.getEntries())) {
            throw new IllegalStateException("editing " + name + " changed more of the manifest than that header");
        }
    }

    private static Manifest parse(byte[] manifest) {
        try {
            return new Manifest(new ByteArrayInputStream(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int lineEnd(String text, int from) {
        int i = from;
        while (i < text.length() && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
            i++;
        }
        return i;
    }

    private static int afterBreak(String text, int lineEnd) {
        if (lineEnd < text.length() && text.charAt(lineEnd) == '\r') {
            return lineEnd + 1 < text.length() && text.charAt(lineEnd + 1) == '\n' ? lineEnd + 2 : lineEnd + 1;
        }
        return lineEnd < text.length() ? lineEnd + 1 : lineEnd;
    }
}
