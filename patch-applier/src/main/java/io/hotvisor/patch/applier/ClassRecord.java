package io.hotvisor.patch.applier;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The agent's own record of what every class it has touched runs: the bytes it was loaded from
 * (asked of {@link RunningBytes} once, at first use), then each payload's bytes as they are applied
 * and the saved bytes as they are reverted; and the new classes defined so far. Expectations,
 * rollback and revert use this record, never the JVM's view of a class's bytes.
 *
 * <p>Not thread-safe: only the thread holding the agent's action permit touches it.
 */
final class ClassRecord {
    private final RunningBytes source;
    private final Map<ClassKey, byte[]> initial = new HashMap<>();
    private final Map<ClassKey, byte[]> running = new HashMap<>();
    private final Map<ClassKey, Class<?>> defined = new HashMap<>();

    ClassRecord(RunningBytes source) {
        this.source = source;
    }

    /** The bytes {@code type} runs now, by this record. */
    byte[] current(ClassKey key, Class<?> type) throws IOException {
        byte[] now = running.get(key);
        return now != null ? now : original(key, type);
    }

    /** The bytes {@code type} was loaded with, before any payload. */
    byte[] original(ClassKey key, Class<?> type) throws IOException {
        byte[] b = initial.get(key);
        if (b == null) {
            b = source.initial(type);
            initial.put(key, b);
        }
        return b;
    }

    void set(ClassKey key, byte[] bytes) {
        running.put(key, bytes);
    }

    /** The bytes recorded for {@code key}, or {@code null} when it was never touched. */
    byte[] recorded(ClassKey key) {
        return running.get(key);
    }

    Class<?> definedClass(ClassKey key) {
        return defined.get(key);
    }

    Map<ClassKey, Class<?>> definedClasses() {
        return defined;
    }

    void defined(ClassKey key, Class<?> type, byte[] bytes) {
        defined.put(key, type);
        initial.put(key, bytes);
        running.put(key, bytes);
    }
}
