package io.hotvisor.runtime.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotvisor.journal.SealedLines;
import io.hotvisor.log.HostLog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The host's audit trail, {@code audit.jsonl} in the state directory: every request that changes
 * the host (and every refused one), with the peer's user and pid, in {@link SealedLines} (each line
 * sealed with its own CRC-32 and numbered), appended and forced to disk as the request ends.
 *
 * <p>Fail closed, loudly: a trail found damaged at boot is moved aside as evidence
 * ({@code audit.jsonl.damaged-N}) and a new one started, and the host is told ({@code untrusted}:
 * it taints itself {@code degraded}). A trail that cannot be opened or written is <em>unavailable</em>:
 * the control server then refuses every request that would change the host, because nobody could
 * tell afterwards who made it. A torn last line is a crash's normal trace: cut, not damage.
 * Thread-safe.
 */
public final class AuditTrail implements AutoCloseable {
    /** File name inside the state directory. */
    public static final String FILE = "audit.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final System.Logger LOG = HostLog.get("hotvisor.audit");

    private final Path file;
    private final Clock clock;
    private final Consumer<String> untrusted;
    private FileChannel channel;
    private long nextSeq;
    private String unavailable;

    private AuditTrail(Path file, Clock clock, Consumer<String> untrusted) {
        this.file = file;
        this.clock = clock;
        this.untrusted = untrusted;
    }

    /**
     * Opens (creating when absent) the trail in {@code stateDir}. Never throws: a trail that cannot be
     * used is {@link #unavailable()}, and {@code untrusted} hears why.
     *
     * @param untrusted told, once per cause, when the trail cannot be trusted or used
     */
    public static AuditTrail open(Path stateDir, Clock clock, Consumer<String> untrusted) {
        AuditTrail trail = new AuditTrail(stateDir.resolve(FILE), clock, Objects.requireNonNull(untrusted, "untrusted"));
        try {
            trail.openFile();
        } catch (IOException | RuntimeException e) {
            trail.fail("the audit trail " + trail.file + " cannot be used: " + e.getMessage());
        }
        return trail;
    }

    private void openFile() throws IOException {
        Files.createDirectories(file.getParent());
        SealedLines.Scan<AuditRecord> scan = scan(Files.exists(file) ? Files.readAllBytes(file) : new byte[0]);
        if (scan.damage() != null) {
            Path aside = SealedLines.setAside(file);
            String why = "the audit trail was damaged at " + scan.damage() + "; kept as " + aside + ", a new trail started";
            LOG.log(System.Logger.Level.ERROR, why);
            untrusted.accept(why);
            scan = scan(new byte[0]);
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (scan.torn()) {
            channel.truncate(scan.goodEnd());
            channel.force(true);
        }
        channel.position(scan.goodEnd());
        nextSeq = scan.records().size() + 1L;
    }


    private static SealedLines.Scan<AuditRecord> scan(byte[] all) {
        return SealedLines.scan(all, json -> {
            try {
                return JSON.readValue(json, AuditRecord.class);
            } catch (JsonProcessingException e) {
                return null;
            }
        }, AuditRecord::seq);
    }

    /** Why requests that change the host are refused, or null while the trail works. */
    public synchronized String unavailable() {
        return unavailable;
    }

    /**
     * Appends {@code r} (stamping seq and time) and forces it to disk. A failure makes the trail
     * {@link #unavailable()} from now on; it is logged, never thrown at the request that caused it.
     *
     * @return whether it was written
     */
    public synchronized boolean append(AuditRecord r) {
        if (unavailable != null) {
            return false;
        }
        AuditRecord stamped = r.stamped(nextSeq, DateTimeFormatter.ISO_INSTANT.format(clock.instant()));
        try {
            ByteBuffer line = ByteBuffer.wrap(SealedLines.seal(JSON.writeValueAsString(stamped)).getBytes(StandardCharsets.UTF_8));
            while (line.hasRemaining()) {
                channel.write(line);
            }
            channel.force(false);
            nextSeq++;
            return true;
        } catch (IOException | RuntimeException e) {
            fail("the audit trail " + file + " cannot be written: " + e.getMessage());
            return false;
        }
    }

    /**
     * The records at or after {@code since} (all when null), oldest first, at most {@code limit}
     * (the newest). Read from disk: the host keeps none in memory.
     */
    public synchronized List<AuditRecord> since(Instant since, int limit) throws IOException {
        List<AuditRecord> all = scan(Files.readAllBytes(file)).records();
        List<AuditRecord> out = new ArrayList<>();
        for (AuditRecord r : all) {
            if (since == null || !Instant.parse(r.time()).isBefore(since)) {
                out.add(r);
            }
        }
        return out.size() <= limit ? out : List.copyOf(out.subList(out.size() - limit, out.size()));
    }

    /** The trail's file. */
    public Path file() {
        return file;
    }

    private void fail(String why) {
        if (unavailable == null) {
            unavailable = why;
            LOG.log(System.Logger.Level.ERROR, why + "; requests that change the host are refused until it can be written"
                    + " (fix the state directory and restart the host)");
            untrusted.accept(why);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
