package io.hotvisor.patch.builder.host;

import io.hotvisor.patch.builder.BuildError;
import io.hotvisor.patch.builder.BuildException;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Proves a build-info is the build it claims to be before anything is built against it: the
 * build-id is recomputed ({@link BuildId#compute}, the host's own definition) over the classes the
 * build-info lists, from the bundle jars beside it when the distribution is there, and from the base
 * revision compiled by the builder in every case; every recorded class hash is checked against the
 * same bytes. An edited build-id or class hash is refused here, naming it, instead of at the host
 * (which computes the same build-id and would refuse the payload far from the cause).
 */
public final class TargetIntegrity {
    private static final String WHAT_TO_DO = "use the build-info.json the host's distribution was built with "
            + "(or what 'hvctl info --json' prints for the running host)";

    private TargetIntegrity() {
    }

    /**
     * Checks the build-info against the jars in {@code bundles/} beside it; does nothing when there
     * is no such folder (a target saved from {@code hvctl info --json}).
     *
     * @throws BuildException {@code BAD_TARGET} naming the first class or build-id that does not match
     */
    public static void checkJars(BuildInfo target, Path buildInfoFile) throws BuildException {
        Path parent = buildInfoFile.toAbsolutePath().normalize().getParent();
        Path folder = parent == null ? null : parent.resolve("bundles");
        if (folder == null || !Files.isDirectory(folder)) {
            return;
        }
        Map<String, Map<String, byte[]>> jars = readJars(folder);
        List<ClassImage> images = new ArrayList<>();
        boolean complete = true;
        for (BuildInfo.Bundle b : target.bundles()) {
            Map<String, byte[]> classes = jars.get(b.symbolicName() + " " + b.version());
            if (classes == null) {
                // Not every distribution ships every jar beside its build-info; the compiled base
                // is checked against the build-id later in any case.
                complete = false;
                continue;
            }
            for (BuildInfo.ClassHash c : b.classes()) {
                byte[] bytes = classes.get(c.name());
                if (bytes == null || !Sha256.of(bytes).equals(c.sha256())) {
                    throw new BuildException(BuildError.BAD_TARGET, "--target " + buildInfoFile + ": class " + c.name() + " of bundle "
                            + b.symbolicName() + (bytes == null ? " is not in its jar" : " has sha256 " + c.sha256().hex().substring(0, 16)
                            + "... but its jar holds " + Sha256.of(bytes).hex().substring(0, 16) + "...")
                            + " (the build-info was edited or belongs to other jars); " + WHAT_TO_DO);
                }
                images.add(new ClassImage(b.symbolicName(), b.version(), c.name(), bytes));
            }
        }
        if (complete) {
            checkBuildId(target, images, buildInfoFile + " (recomputed from the jars in " + folder + ")");
        }
    }

    /**
     * Checks the build-info against the base revision compiled for every host module. A class hash
     * that differs while the recomputed build-id matches the recorded one is an edited build-info
     * ({@code BAD_TARGET}); hashes that differ along with the build-id mean the base revision is not
     * the host's ({@code TARGET_MISMATCH}). Classes that no module of the build-info compiles (a
     * build-info that lists no module for a bundle's activator) cannot be checked from source; they
     * are counted, and the build-id is then only checked from the jars ({@link #checkJars}).
     *
     * @return the number of target classes no module compiles
     */
    public static int checkCompiled(BuildInfo target, HostBuild base) throws BuildException {
        List<String> problems = new ArrayList<>();
        List<ClassImage> images = new ArrayList<>();
        boolean complete = true;
        int foreign = 0;
        for (BuildInfo.Bundle b : target.bundles()) {
            for (BuildInfo.ClassHash c : b.classes()) {
                Optional<byte[]> built = base.bytes(c.name());
                if (built.isEmpty()) {
                    complete = false;
                    foreign++;
                    continue;
                }
                Sha256 got = Sha256.of(built.get());
                if (!got.equals(c.sha256())) {
                    problems.add(c.name() + ": built " + got.hex().substring(0, 16) + "..., target runs "
                            + c.sha256().hex().substring(0, 16) + "...");
                }
                images.add(new ClassImage(b.symbolicName(), b.version(), c.name(), built.get()));
            }
        }
        BuildId recomputed = complete ? compute(images) : null;
        if (problems.isEmpty()) {
            if (complete) {
                checkBuildId(target, images, "the build-info (recomputed from its classes built at " + base.revision() + ")");
            }
            return foreign;
        }
        if (target.buildId().equals(recomputed)) {
            throw new BuildException(BuildError.BAD_TARGET, "--target: the build-info's class hashes do not match its own build-id "
                    + "(recomputed from the classes built at " + base.revision() + "): it was edited; " + WHAT_TO_DO,
                    problems.subList(0, Math.min(problems.size(), 10)), null);
        }
        throw new BuildException(BuildError.TARGET_MISMATCH, "payload would not match the running build: " + problems.size()
                + " class" + (problems.size() == 1 ? "" : "es") + " built from " + base.revision() + " differ from the target "
                + target.buildId().hex().substring(0, 16) + "; is --base the revision the host was built from, with javac "
                + target.compiler().javacVersion() + "?", problems.subList(0, Math.min(problems.size(), 10)), null);
    }

    private static void checkBuildId(BuildInfo target, List<ClassImage> images, String where) throws BuildException {
        BuildId recomputed = compute(images);
        if (!recomputed.equals(target.buildId())) {
            throw new BuildException(BuildError.BAD_TARGET, "--target: build-id " + target.buildId().hex().substring(0, 16)
                    + "... is not the build-id of the classes it lists (" + recomputed.hex().substring(0, 16) + "... for " + where
                    + "): the build-info was edited; " + WHAT_TO_DO);
        }
    }

    private static BuildId compute(List<ClassImage> images) throws BuildException {
        try {
            return BuildId.compute(images);
        } catch (IllegalArgumentException e) {
            throw new BuildException(BuildError.BAD_TARGET, "--target: " + e.getMessage() + "; " + WHAT_TO_DO);
        }
    }

    /** Class bytes of every bundle jar in {@code folder}, by {@code "name version"}. */
    private static Map<String, Map<String, byte[]>> readJars(Path folder) throws BuildException {
        Map<String, Map<String, byte[]>> out = new HashMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path jar : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".jar")).sorted()::iterator) {
                try (JarFile file = new JarFile(jar.toFile(), false)) {
                    // (an unreadable jar is passed over: a bundle without a jar is not checked here)
                    Manifest manifest = file.getManifest();
                    Attributes main = manifest == null ? new Attributes() : manifest.getMainAttributes();
                    String name = main.getValue("Bundle-SymbolicName");
                    String version = main.getValue("Bundle-Version");
                    if (name == null || version == null) {
                        continue;
                    }
                    Map<String, byte[]> classes = new TreeMap<>();
                    for (Enumeration<JarEntry> en = file.entries(); en.hasMoreElements(); ) {
                        JarEntry e = en.nextElement();
                        String n = e.getName();
                        if (e.isDirectory() || !n.endsWith(".class") || n.startsWith("META-INF/") || n.endsWith("module-info.class")) {
                            continue;
                        }
                        try (InputStream in = file.getInputStream(e)) {
                            classes.put(n.substring(0, n.length() - ".class".length()).replace('/', '.'), in.readAllBytes());
                        }
                    }
                    out.putIfAbsent(name.split(";", 2)[0].strip() + " " + version.strip(), classes);
                } catch (IOException | RuntimeException unreadable) {
                    continue;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw new BuildException(BuildError.BAD_TARGET, "--target: the bundle jars in " + folder + " cannot be read: "
                    + e.getMessage() + "; " + WHAT_TO_DO, e);
        }
        return out;
    }
}
