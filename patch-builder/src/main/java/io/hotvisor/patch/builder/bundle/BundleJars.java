package io.hotvisor.patch.builder.bundle;

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
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The bundle jars of a host distribution: {@code bundles/*.jar} beside its {@code build-info.json}.
 * A jar is matched to a build-info bundle by its manifest's {@code Bundle-SymbolicName} (without
 * directives) and {@code Bundle-Version}, and is only handed out once its classes are proved to be
 * the ones the build-info records: a bundle update starts from that jar, so it must be the build's.
 * Not thread-safe.
 */
public final class BundleJars {
    /** The manifest header of a bundle that can be replaced whole; its value names the state-transfer factory. */
    public static final String REPLACEABLE = "Hotvisor-Replaceable";
    /** The manifest header ({@code true}) of a bundle a trampoline host weaves, as its weaving hook reads it. */
    public static final String PATCHABLE = "Hotvisor-Patchable";

    static final String NEEDS_DISTRIBUTION = "--allow-bundle-update needs the distribution's build-info.json, with the "
            + "bundle jars in bundles/ beside it (an 'hvctl info --json' target has no jars)";

    private final Path folder;
    /** {@code name version} to the jars whose manifest says so, in file-name order. */
    private final Map<String, List<Path>> candidates;
    private final Map<String, BundleJar> checked = new HashMap<>();

    private BundleJars(Path folder, Map<String, List<Path>> candidates) {
        this.folder = folder;
        this.candidates = candidates;
    }

    /**
     * The jars in {@code bundles/} beside {@code buildInfoFile}. Jars that cannot be read or name no
     * bundle are passed over here; {@link #jar} fails when a needed bundle has none.
     *
     * @throws BuildException {@code BAD_TARGET} when there is no such folder
     */
    public static BundleJars open(Path buildInfoFile) throws BuildException {
        Path parent = buildInfoFile.toAbsolutePath().normalize().getParent();
        Path folder = parent == null ? null : parent.resolve("bundles");
        if (folder == null || !Files.isDirectory(folder)) {
            throw new BuildException(BuildError.BAD_TARGET, NEEDS_DISTRIBUTION,
                    List.of("no folder " + (folder == null ? "bundles/" : folder) + " beside " + buildInfoFile), null);
        }
        Map<String, List<Path>> candidates = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path jar : (Iterable<Path>) files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted()::iterator) {
                identity(jar).ifPresent(id -> candidates.computeIfAbsent(id, k -> new ArrayList<>()).add(jar));
            }
        } catch (IOException | UncheckedIOException e) {
            throw new BuildException(BuildError.IO_ERROR, folder + ": cannot be listed: " + e.getMessage(), e);
        }
        return new BundleJars(folder, candidates);
    }

    /** The same, or empty when there is no {@code bundles/} folder (for hints that need not be given). */
    public static Optional<BundleJars> find(Path buildInfoFile) {
        try {
            return Optional.of(open(buildInfoFile));
        } catch (BuildException e) {
            return Optional.empty();
        }
    }

    /**
     * The jar of {@code bundle}, its classes checked against the build-info.
     *
     * @throws BuildException {@code BAD_TARGET} when no jar names the bundle and version, or when the
     *                        jar's classes are not the ones the build-info records; {@code IO_ERROR}
     */
    BundleJar jar(BuildInfo.Bundle bundle) throws BuildException {
        String id = bundle.symbolicName() + " " + bundle.version();
        BundleJar done = checked.get(id);
        if (done != null) {
            return done;
        }
        List<Path> files = candidates.getOrDefault(id, List.of());
        if (files.isEmpty()) {
            throw new BuildException(BuildError.BAD_TARGET, NEEDS_DISTRIBUTION, List.of("no jar in " + folder
                    + " has Bundle-SymbolicName " + bundle.symbolicName() + " and Bundle-Version " + bundle.version()), null);
        }
        List<String> mismatches = new ArrayList<>();
        for (Path file : files) {
            List<JarRewrite.Entry> entries;
            try {
                entries = JarRewrite.read(Files.readAllBytes(file));
            } catch (IOException | RuntimeException e) {
                throw new BuildException(BuildError.IO_ERROR, file + ": cannot be read: " + e.getMessage(), e);
            }
            Map<String, Sha256> classes = classHashes(entries);
            boolean replaceable = entries.stream().anyMatch(e -> e.name().equals(JarRewrite.MANIFEST)
                    && ManifestText.mainHeader(e.bytes(), REPLACEABLE).isPresent());
            boolean patchable = entries.stream().anyMatch(e -> e.name().equals(JarRewrite.MANIFEST)
                    && ManifestText.mainHeader(e.bytes(), PATCHABLE).map(v -> v.strip().equalsIgnoreCase("true")).orElse(false));
            Optional<String> difference = difference(bundle, classes);
            if (difference.isEmpty()) {
                BundleJar found = new BundleJar(file, bundle, replaceable, patchable, entries);
                checked.put(id, found);
                return found;
            }
            mismatches.add(file.getFileName() + ": " + difference.get());
        }
        throw new BuildException(BuildError.BAD_TARGET, "the jar of bundle " + id + " in " + folder + " is not the one the "
                + "build-info describes (its classes differ), so a bundle update cannot start from it; give the build-info.json "
                + "of the distribution these jars came from", mismatches, null);
    }

    /**
     * Whether a trampoline host weaves {@code bundle}: its jar's manifest says
     * {@code Hotvisor-Patchable: true}; empty when there is no jar of the build-info's bytes to tell.
     */
    public Optional<Boolean> patchable(BuildInfo.Bundle bundle) {
        try {
            return Optional.of(jar(bundle).patchable());
        } catch (BuildException e) {
            return Optional.empty();
        }
    }

    /** {@code name version} from a jar's manifest, or empty when it is no bundle or cannot be read. */
    private static Optional<String> identity(Path jar) {
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            Manifest manifest = file.getManifest();
            if (manifest == null) {
                return Optional.empty();
            }
            Attributes main = manifest.getMainAttributes();
            String name = main.getValue("Bundle-SymbolicName");
            String version = main.getValue("Bundle-Version");
            if (name == null || version == null) {
                return Optional.empty();
            }
            int directives = name.indexOf(';');
            return Optional.of((directives < 0 ? name : name.substring(0, directives)).strip() + " " + version.strip());
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // not a jar this build can use; a needed bundle without one is reported by jar()
        }
    }

    /** The jar's classes as the build-info counts them: every {@code .class} entry but module-info and META-INF/. */
    private static Map<String, Sha256> classHashes(List<JarRewrite.Entry> entries) {
        Map<String, Sha256> out = new TreeMap<>();
        for (JarRewrite.Entry entry : entries) {
            String name = JarRewrite.className(entry.name());
            if (name != null) {
                out.put(name, Sha256.of(entry.bytes()));
            }
        }
        return out;
    }

    private static Optional<String> difference(BuildInfo.Bundle bundle, Map<String, Sha256> classes) {
        Map<String, Sha256> recorded = new TreeMap<>();
        bundle.classes().forEach(c -> recorded.put(c.name(), c.sha256()));
        for (Map.Entry<String, Sha256> e : recorded.entrySet()) {
            Sha256 got = classes.get(e.getKey());
            if (got == null) {
                return Optional.of(e.getKey() + " is missing");
            }
            if (!got.equals(e.getValue())) {
                return Optional.of(e.getKey() + ": jar " + got.hex().substring(0, 16) + "..., build-info "
                        + e.getValue().hex().substring(0, 16) + "...");
            }
        }
        for (String name : classes.keySet()) {
            if (!recorded.containsKey(name)) {
                return Optional.of(name + " is not in the build-info");
            }
        }
        return Optional.empty();
    }
}
