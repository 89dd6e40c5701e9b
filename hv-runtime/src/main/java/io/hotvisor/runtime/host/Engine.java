package io.hotvisor.runtime.host;

/**
 * How vCPUs execute guest code: {@code interpreter} decodes and runs one instruction at a time;
 * {@code translator} compiles hot guest blocks to JVM bytecode and interprets only the rest.
 * Both are kept so that runs can be compared (differential tests, benchmarks).
 */
public enum Engine {
    INTERPRETER, TRANSLATOR;

    public static Engine parse(String text) {
        return switch (text.trim().toLowerCase()) {
            case "interpreter" -> INTERPRETER;
            case "translator" -> TRANSLATOR;
            default -> throw new IllegalArgumentException("engine must be interpreter or translator, got '" + text + "'");
        };
    }

    @Override
    public String toString() { return name().toLowerCase(); }
}
