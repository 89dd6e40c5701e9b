package io.hotvisor.runtime.console;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * How much of one domain's console reaches the host log, after Xen's rate limit on guest
 * {@code printk} ({@code guest_loglvl}'s rate-limited levels): at most {@link #BURST} lines per
 * {@link #WINDOW_NANOS}; the lines beyond are counted, not logged, and the count is logged as one
 * summary line ({@code d3 console: 48,112 lines suppressed}) when the next window opens, or when
 * {@link #flush} is called (the domain ended). A guest printing in a loop thus costs the host log
 * a few lines a second and cannot push the host's own lines out of {@code dmesg}.
 *
 * <p>Only the host log is limited: the guest's {@link ConsoleRing} and {@code hvctl console} keep
 * every byte. Thread-safe; the clock is injectable so the window can be tested without waiting.
 */
public final class ConsoleLogLimit implements Consumer<String> {
    /** Lines let through per window: a boot banner passes whole. */
    public static final int BURST = 50;
    /** Xen's default rate-limit interval is 5 s; one second keeps a summary close to its flood. */
    public static final long WINDOW_NANOS = 1_000_000_000L;

    private final String prefix;
    private final Consumer<String> log;
    private final Consumer<String> summaries;
    private final LongSupplier clock;
    private long windowStart;
    private int passed;
    private long suppressed;

    /**
     * @param domainId the domain, for the summary line
     * @param log       where admitted console lines go (the host log, with the domain's prefix)
     * @param summaries where the summary lines go (the host log, as the host's own line)
     * @param clock     nanoseconds, as {@link System#nanoTime}
     */
    public ConsoleLogLimit(int domainId, Consumer<String> log, Consumer<String> summaries, LongSupplier clock) {
        this.prefix = "d" + domainId + " console: ";
        this.log = log;
        this.summaries = summaries;
        this.clock = clock;
        this.windowStart = clock.getAsLong();
    }

    public ConsoleLogLimit(int domainId, Consumer<String> log, Consumer<String> summaries) {
        this(domainId, log, summaries, System::nanoTime);
    }

    /** One completed console line: logged, or counted when this window's burst is spent. */
    @Override
    public void accept(String line) {
        String summary;
        synchronized (this) {
            long now = clock.getAsLong();
            summary = now - windowStart >= WINDOW_NANOS ? openWindow(now) : null;
            if (passed >= BURST) {
                suppressed++;
                line = null;
            } else {
                passed++;
            }
        }
        if (summary != null) summaries.accept(summary);
        if (line != null) log.accept(line);
    }

    /** Logs the count of suppressed lines, if any (the domain ended, or the host asks). */
    public void flush() {
        String summary;
        synchronized (this) {
            summary = openWindow(clock.getAsLong());
        }
        if (summary != null) summaries.accept(summary);
    }

    /** Lines suppressed in the current window so far. */
    public synchronized long suppressed() {
        return suppressed;
    }

    private String openWindow(long now) {
        String summary = suppressed == 0 ? null
                : prefix + String.format(Locale.ROOT, "%,d", suppressed) + " line" + (suppressed == 1 ? "" : "s") + " suppressed";
        windowStart = now;
        passed = 0;
        suppressed = 0;
        return summary;
    }
}
