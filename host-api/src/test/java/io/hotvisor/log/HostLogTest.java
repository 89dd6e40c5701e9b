package io.hotvisor.log;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostLogTest {
    private static final String NAME = "hotvisor.test.hostlog";
    private final Logger jul = Logger.getLogger(NAME);
    private final List<LogRecord> seen = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override public void publish(LogRecord r) { seen.add(r); }
        @Override public void flush() { }
        @Override public void close() { }
    };

    @BeforeEach
    void attach() {
        jul.setLevel(java.util.logging.Level.ALL);
        jul.setUseParentHandlers(false);
        jul.addHandler(capture);
    }

    @AfterEach
    void detach() {
        jul.removeHandler(capture);
        HostLog.floor(System.Logger.Level.ALL);
    }

    @Test
    void withTheDefaultFloorEveryMessageReachesTheBackendAsWithSystemGetLogger() {
        System.Logger log = HostLog.get(NAME);
        log.log(System.Logger.Level.DEBUG, "d{0}", 1);
        log.log(System.Logger.Level.INFO, "i{0}", 2);
        log.log(System.Logger.Level.ERROR, "boom", new IllegalStateException("x"));
        assertEquals(List.of("d{0}", "i{0}", "boom"), seen.stream().map(LogRecord::getMessage).toList());
        assertEquals(2, seen.get(1).getParameters()[0]);
        assertEquals("x", seen.get(2).getThrown().getMessage());
        assertEquals(NAME, log.getName());
    }

    @Test
    void messagesBelowTheFloorAreDroppedAndThoseAtOrAboveItPass() {
        HostLog.floor(System.Logger.Level.WARNING);
        System.Logger log = HostLog.get(NAME);
        assertFalse(log.isLoggable(System.Logger.Level.INFO));
        log.log(System.Logger.Level.INFO, "quiet");
        log.log(System.Logger.Level.INFO, () -> { throw new AssertionError("supplier called below the floor"); });
        assertTrue(log.isLoggable(System.Logger.Level.WARNING));
        log.log(System.Logger.Level.WARNING, "loud");
        log.log(System.Logger.Level.ERROR, "louder");
        assertEquals(List.of("loud", "louder"), seen.stream().map(LogRecord::getMessage).toList());
    }

    @Test
    void theBackendsOwnLevelStillDecidesAboveTheFloor() {
        jul.setLevel(java.util.logging.Level.SEVERE);
        System.Logger log = HostLog.get(NAME);
        assertFalse(log.isLoggable(System.Logger.Level.WARNING));
        log.log(System.Logger.Level.WARNING, "filtered by the backend");
        log.log(System.Logger.Level.ERROR, "kept");
        assertEquals(List.of("kept"), seen.stream().map(LogRecord::getMessage).toList());
    }

    @Test
    void theFloorIsProcessWideAndAppliesToLoggersMadeBeforeItWasSet() {
        System.Logger early = HostLog.get(NAME);
        HostLog.floor(System.Logger.Level.ERROR);
        early.log(System.Logger.Level.WARNING, "dropped");
        HostLog.floor(System.Logger.Level.ALL);
        early.log(System.Logger.Level.TRACE, "kept");
        assertEquals(List.of("kept"), seen.stream().map(LogRecord::getMessage).toList());
    }
}
