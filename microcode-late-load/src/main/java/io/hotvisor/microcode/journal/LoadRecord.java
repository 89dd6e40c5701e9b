package io.hotvisor.microcode.journal;

import java.time.Instant;
import java.util.Objects;

/**
 * One late load as the journal keeps it.
 *
 * @param sequence 1-based position in the journal: each record's is its predecessor's plus one
 * @param at when the load finished
 * @param file the file's name as the operator gave it
 * @param sha256 the file's SHA-256, lower-case hex: the copy kept beside the journal must hash to it
 * @param vendor {@code intel} or {@code amd}
 * @param revision the revision the cores were loaded with
 * @param forced whether {@code --force} was given
 * @param unsafe whether the load went past Linux's minimum-revision check with a warning
 */
public record LoadRecord(long sequence, Instant at, String file, String sha256, String vendor, int revision,
        boolean forced, boolean unsafe) {
    public LoadRecord {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(vendor, "vendor");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be at least 1, got " + sequence);
        }
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits, got " + sha256);
        }
    }
}
