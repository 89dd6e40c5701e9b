package io.hotvisor.runtime.console;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A flooding guest costs the host log a burst per window and one summary line, nothing more. */
class ConsoleLogLimitTest {
    private long now;
    private final List<String> logged = new ArrayList<>();
    private final List<String> summaries = new ArrayList<>();
    private final ConsoleLogLimit limit = new ConsoleLogLimit(3, logged::add, summaries::add, () -> now);

    @Test
    void aBurstPassesWhole() {
        for (int i = 0; i < ConsoleLogLimit.BURST; i++) limit.accept("line " + i);
        assertThat(logged).hasSize(ConsoleLogLimit.BURST);
        assertThat(summaries).isEmpty();
    }

    @Test
    void linesBeyondTheBurstAreCountedAndSummarisedWhenTheNextWindowOpens() {
        for (int i = 0; i < ConsoleLogLimit.BURST + 48_112; i++) limit.accept("flood");
        assertThat(logged).hasSize(ConsoleLogLimit.BURST);
        assertThat(limit.suppressed()).isEqualTo(48_112);
        now += ConsoleLogLimit.WINDOW_NANOS;
        limit.accept("after");
        assertThat(summaries).containsExactly("d3 console: 48,112 lines suppressed");
        assertThat(logged).endsWith("after");
    }

    @Test
    void flushSummarisesWhatTheLastWindowSuppressed() {
        for (int i = 0; i < ConsoleLogLimit.BURST + 1; i++) limit.accept("flood");
        limit.flush();
        limit.flush();
        assertThat(summaries).containsExactly("d3 console: 1 line suppressed");
    }

    @Test
    void theConsoleRingKeepsEveryLineTheLogSuppressed() {
        ConsoleRing ring = new ConsoleRing();
        ring.onLine(limit);
        for (int i = 0; i < 2 * ConsoleLogLimit.BURST; i++) {
            byte[] line = ("line " + i + "\n").getBytes();
            ring.write(line, 0, line.length);
        }
        assertThat(logged).hasSize(ConsoleLogLimit.BURST);
        assertThat(ring.text()).contains("line 0\n", "line " + (2 * ConsoleLogLimit.BURST - 1) + "\n");
    }
}
