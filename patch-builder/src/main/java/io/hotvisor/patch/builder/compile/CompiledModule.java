package io.hotvisor.patch.builder.compile;

import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A module compiled at one revision: its class files by binary name, and the directory holding
 * them (for use on another module's classpath).
 *
 * @param module    repository-relative module path
 * @param revision  revision label, for messages
 * @param classes   class-file bytes by binary name ({@code a.b.Outer$Inner}); not copied, do not modify
 * @param directory the class output directory
 * @param cached    whether it came from the cache
 */
public record CompiledModule(String module, String revision, SortedMap<String, byte[]> classes, Path directory, boolean cached) {
    /** Sorts the classes. */
    public CompiledModule {
        classes = new TreeMap<>(classes);
    }

    /** The classes, read-only view. */
    public Map<String, byte[]> classMap() {
        return java.util.Collections.unmodifiableMap(classes);
    }
}
