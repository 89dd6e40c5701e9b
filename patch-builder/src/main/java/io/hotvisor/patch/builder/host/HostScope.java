package io.hotvisor.patch.builder.host;

import io.hotvisor.patch.format.buildinfo.BuildInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which bundle of the host a class belongs to, from the build-info: the bundle that records it; for
 * a class the host does not have yet, the bundle of its outer class, else the one bundle holding its
 * package. A class in none of them runs outside the host (a command-line tool compiled by the same
 * module) and no payload can carry it.
 */
public final class HostScope {
    private final Map<String, BuildInfo.Bundle> byClass = new HashMap<>();
    private final Map<String, List<BuildInfo.Bundle>> byPackage = new HashMap<>();

    /** The scope of a target build. */
    public HostScope(BuildInfo target) {
        for (BuildInfo.Bundle b : target.bundles()) {
            for (BuildInfo.ClassHash c : b.classes()) {
                byClass.put(c.name(), b);
                List<BuildInfo.Bundle> holders = byPackage.computeIfAbsent(packageOf(c.name()), k -> new java.util.ArrayList<>());
                if (!holders.contains(b)) {
                    holders.add(b);
                }
            }
        }
    }

    /** The bundle {@code className} runs in, or would be defined in; empty when the host has no place for it. */
    public Optional<BuildInfo.Bundle> bundleOf(String className) {
        BuildInfo.Bundle known = byClass.get(className);
        if (known != null) {
            return Optional.of(known);
        }
        int dollar = className.indexOf('$');
        if (dollar > 0 && byClass.containsKey(className.substring(0, dollar))) {
            return Optional.of(byClass.get(className.substring(0, dollar)));
        }
        List<BuildInfo.Bundle> holders = byPackage.getOrDefault(packageOf(className), List.of());
        return holders.size() == 1 ? Optional.of(holders.get(0)) : Optional.empty();
    }

    /** Whether a new class's package is held by more than one bundle, so its bundle cannot be told. */
    public boolean ambiguous(String className) {
        return !byClass.containsKey(className) && byPackage.getOrDefault(packageOf(className), List.of()).size() > 1;
    }

    /** Whether the host runs (or could define) {@code className}. */
    public boolean contains(String className) {
        return bundleOf(className).isPresent();
    }

    /** Whether the host's build holds exactly this class. */
    public boolean runs(String className) {
        return byClass.containsKey(className);
    }

    static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }
}
