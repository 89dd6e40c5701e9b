package io.hotvisor.runtime.console;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A domain's console: a bounded ring of the bytes the guest wrote (the last {@link #CAPACITY}),
 * plus listeners that see every byte as it is written and every completed line.
 *
 * <p>Thread-safe. Guests write from their vCPU's pCPU thread; readers ({@code hvctl console}, the
 * host log, {@code hv run}) may be on any thread. A listener must not block.
 */
public final class ConsoleRing {
    /** Bytes of history kept per domain. */
    public static final int CAPACITY = 64 * 1024;

    private final byte[] ring = new byte[CAPACITY];
    private long written;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final List<Consumer<byte[]>> byteListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> lineListeners = new CopyOnWriteArrayList<>();

    /** Appends guest output. */
    public void write(byte[] bytes, int from, int length) {
        List<String> lines = null;
        synchronized (this) {
            for (int i = from; i < from + length; i++) {
                byte c = bytes[i];
                ring[(int) (written++ % CAPACITY)] = c;
                if (c == '\n') {
                    if (lines == null) lines = new java.util.ArrayList<>(1);
                    lines.add(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else if (line.size() < 4096) {
                    line.write(c);
                }
            }
        }
        if (!byteListeners.isEmpty()) {
            byte[] copy = java.util.Arrays.copyOfRange(bytes, from, from + length);
            byteListeners.forEach(l -> l.accept(copy));
        }
        if (lines != null) lines.forEach(l -> lineListeners.forEach(c -> c.accept(l)));
    }

    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /** Everything still held, oldest first. */
    public synchronized byte[] contents() {
        int n = (int) Math.min(written, CAPACITY);
        byte[] out = new byte[n];
        long start = written - n;
        for (int i = 0; i < n; i++) out[i] = ring[(int) ((start + i) % CAPACITY)];
        return out;
    }

    /** Total bytes ever written (also the offset a follower resumes from). */
    public synchronized long written() { return written; }

    /** Bytes written since {@code offset}, as far as the ring still holds them. */
    public synchronized byte[] since(long offset) {
        long from = Math.max(offset, written - Math.min(written, CAPACITY));
        int n = (int) Math.max(0, written - from);
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) out[i] = ring[(int) ((from + i) % CAPACITY)];
        return out;
    }

    public String text() {
        return new String(contents(), StandardCharsets.UTF_8);
    }

    public void onBytes(Consumer<byte[]> listener) { byteListeners.add(listener); }

    public void onLine(Consumer<String> listener) { lineListeners.add(listener); }
}
