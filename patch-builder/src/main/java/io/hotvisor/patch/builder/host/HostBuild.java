package io.hotvisor.patch.builder.host;

import io.hotvisor.patch.builder.compile.CompiledModule;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every module whose classes run in the host, compiled at one revision: the whole host as the
 * builder sees it. A class compiled by two modules is taken from the first in module-path order
 * (none of this repository's modules share a package).
 *
 * @param revision revision label, for messages
 * @param modules  compiled modules by repository-relative path
 */
public record HostBuild(String revision, Map<String, CompiledModule> modules) {
    /** Copies and sorts the map. */
    public HostBuild {
        modules = Collections.unmodifiableMap(new TreeMap<>(modules));
    }

    /** Every class of every module, by binary name. */
    public Map<String, byte[]> classes() {
        Map<String, byte[]> out = new TreeMap<>();
        for (CompiledModule m : modules.values()) {
            m.classMap().forEach(out::putIfAbsent);
        }
        return out;
    }

    /** The module that compiled each class. */
    public Map<String, String> moduleOfClasses() {
        Map<String, String> out = new HashMap<>();
        for (CompiledModule m : modules.values()) {
            m.classMap().keySet().forEach(c -> out.putIfAbsent(c, m.module()));
        }
        return out;
    }

    /** The bytes of one class, if a module compiled it. */
    public Optional<byte[]> bytes(String className) {
        for (CompiledModule m : modules.values()) {
            byte[] b = m.classMap().get(className);
            if (b != null) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** Whether every module came from the cache. */
    public boolean allCached() {
        return modules.values().stream().allMatch(CompiledModule::cached);
    }
}
