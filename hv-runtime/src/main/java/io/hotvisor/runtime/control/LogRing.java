package io.hotvisor.runtime.control;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * The host log ring {@code hvctl dmesg} reads: the last {@link #CAPACITY} log lines of the host,
 * as a {@code java.util.logging} handler (the backend of {@link System.Logger}). Thread-safe.
 */
public final class LogRing extends Handler {
    public static final int CAPACITY = 2000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final SimpleFormatter messages = new SimpleFormatter();

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) return;
        String line = "(" + TIME.format(Instant.ofEpochMilli(record.getMillis())) + ") " + record.getLevel().getName()
                + " " + messages.formatMessage(record);
        if (record.getThrown() != null) line += ": " + record.getThrown();
        synchronized (lines) {
            if (lines.size() == CAPACITY) lines.removeFirst();
            lines.addLast(line);
        }
    }

    public List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
