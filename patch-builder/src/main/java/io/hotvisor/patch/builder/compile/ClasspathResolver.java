package io.hotvisor.patch.builder.compile;

import io.hotvisor.patch.builder.BuildError;
import io.hotvisor.patch.builder.BuildException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Finds the dependency jars a build-info names in a local Maven repository, and in the
 * {@code target/} folders of the repository's own modules (a reactor build that ran
 * {@code mvn verify} without {@code install} compiled hv-runtime against {@code patch-api/target/*.jar}).
 *
 * <p>Why a walk by file name and not {@code mvn dependency:build-classpath}: a walk of a local
 * repository of ~1,000 jars takes about 0.1 s, while a Maven start takes seconds; and the SHA-256
 * recorded in the build-info proves the jar found is the very jar the host was built against,
 * which a fresh resolution would not (a SNAPSHOT or a re-published artifact could differ).
 */
public final class ClasspathResolver {
    private final Path localRepository;
    private final List<Path> moduleTargets;
    private final Set<String> ownModules;

    /** A resolver over {@code localRepository} ({@code ~/.m2/repository}) only. */
    public ClasspathResolver(Path localRepository) {
        this(localRepository, List.of());
    }

    /**
     * A resolver over {@code localRepository} and, before it, the jars directly inside
     * {@code moduleTargets} (folders that need not exist).
     */
    public ClasspathResolver(Path localRepository, List<Path> moduleTargets) {
        this(localRepository, moduleTargets, Set.of());
    }

    /**
     * As above; a jar of one of {@code ownModules} (the checkout's own modules, by artifact name) is
     * not looked up at all: that module is compiled from the revision's sources as a sibling of the
     * module that needs it, so the jar a reactor build happened to use adds nothing and need not exist.
     */
    public ClasspathResolver(Path localRepository, List<Path> moduleTargets, Set<String> ownModules) {
        this.localRepository = localRepository;
        this.moduleTargets = List.copyOf(moduleTargets);
        this.ownModules = Set.copyOf(ownModules);
    }

    /** The names of the checkout's own modules: folders with a {@code pom.xml}, one and two levels deep. */
    public static Set<String> moduleNamesOf(Path root) {
        Set<String> out = new java.util.TreeSet<>();
        try (Stream<Path> walk = Files.find(root, 3, (p, a) -> a.isRegularFile() && p.getFileName().toString().equals("pom.xml")
                && !p.getParent().equals(root))) {
            walk.forEach(p -> out.add(p.getParent().getFileName().toString()));
        } catch (IOException | UncheckedIOException e) {
            // an unreadable checkout only means every jar is looked up
        }
        return out;
    }

    /** Whether {@code file} is a jar of one of the checkout's own modules (never looked up: compiled from source). */
    public boolean ownModuleJar(String file) {
        for (String m : ownModules) {
            if (file.startsWith(m + "-") && file.endsWith(".jar") && Character.isDigit(file.charAt(m.length() + 1))) {
                return true;
            }
        }
        return false;
    }

    /** The {@code target/} folders of the modules of the checkout at {@code root}, one and two levels deep. */
    public static List<Path> moduleTargetsOf(Path root) {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> walk = Files.find(root, 3, (p, a) -> a.isDirectory() && p.getFileName().toString().equals("target")
                && Files.exists(p.resolveSibling("pom.xml")))) {
            walk.sorted().forEach(out::add);
        } catch (IOException | UncheckedIOException e) {
            // an unreadable checkout only means fewer places to look; the local repository remains
        }
        return out;
    }

    /** {@code -Dmaven.repo.local} if set, else {@code ~/.m2/repository}. */
    public static Path defaultLocalRepository() {
        String configured = System.getProperty("maven.repo.local");
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /**
     * The jar files, in order.
     *
     * @throws BuildException {@code MISSING_DEPENDENCY} naming the first jar not found with its hash
     */
    public List<Path> resolve(String module, List<BuildInfo.Jar> jars) throws BuildException {
        if (jars.isEmpty()) {
            return List.of();
        }
        Set<String> wanted = jars.stream().map(BuildInfo.Jar::file).collect(Collectors.toSet());
        Map<String, List<Path>> candidates = new HashMap<>();
        for (Path dir : moduleTargets) {
            for (String file : wanted) {
                Path p = dir.resolve(file);
                if (Files.isRegularFile(p)) candidates.computeIfAbsent(file, k -> new ArrayList<>()).add(p);
            }
        }
        if (Files.isDirectory(localRepository)) {
            try (Stream<Path> walk = Files.walk(localRepository)) {
                walk.filter(p -> wanted.contains(p.getFileName().toString()) && Files.isRegularFile(p))
                        .forEach(p -> candidates.computeIfAbsent(p.getFileName().toString(), k -> new ArrayList<>()).add(p));
            } catch (IOException | UncheckedIOException e) {
                throw new BuildException(BuildError.IO_ERROR, localRepository + ": cannot be searched: " + e.getMessage(), e);
            }
        }
        List<Path> out = new ArrayList<>();
        for (BuildInfo.Jar jar : jars) {
            if (ownModuleJar(jar.file())) {
                continue;
            }
            Path found = null;
            for (Path p : candidates.getOrDefault(jar.file(), List.of())) {
                try {
                    if (Sha256.of(Files.readAllBytes(p)).equals(jar.sha256())) {
                        found = p;
                        break;
                    }
                } catch (IOException e) {
                    // an unreadable candidate is not the jar; keep looking
                }
            }
            if (found == null) {
                throw new BuildException(BuildError.MISSING_DEPENDENCY, "dependency " + jar.file() + " (sha256 "
                        + jar.sha256().hex().substring(0, 16) + "...) of module " + module + " is not in the local Maven repository "
                        + localRepository + (candidates.containsKey(jar.file()) ? " with that hash (a different build of it is)" : "")
                        + "; build the base revision once with Maven (mvn -q -DskipTests install) or point -Dmaven.repo.local at the host build's repository");
            }
            out.add(found);
        }
        return out;
    }
}
