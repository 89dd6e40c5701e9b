package io.hotvisor.patch.format.buildinfo;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Makes a {@link BuildInfo} from a host build's bundle jars. Stateless.
 *
 * <p>Each jar's {@code Bundle-SymbolicName} (without directives such as {@code ;singleton:=true})
 * and {@code Bundle-Version} come from its manifest; a plain jar without them takes the name and
 * version its {@link BundleJar} gives. Every {@code .class} entry except {@code module-info.class}
 * and multi-release variants under {@code META-INF/} is a class of the bundle.
 */
public final class BuildInfoGenerator {

    private BuildInfoGenerator() {
    }

    /**
     * One bundle jar of the build.
     *
     * @param jar                 the jar file
     * @param module              repository-relative path of the Maven module that compiled it
     * @param fallbackName        symbolic name if the manifest has none; may be {@code null} for a real bundle
     * @param fallbackVersion     version if the manifest has none; may be {@code null} for a real bundle
     */
    public record BundleJar(Path jar, String module, String fallbackName, String fallbackVersion) {
        /** Rejects a {@code null} jar or module. */
        public BundleJar {
            Objects.requireNonNull(jar, "jar");
            Objects.requireNonNull(module, "module");
        }
    }

    /** The compiler of the running JDK: its {@link Runtime#version()}, {@code java.vendor}, and the given release and flags. */
    public static BuildInfo.Compiler runningCompiler(String release, List<String> flags) {
        return new BuildInfo.Compiler(Runtime.version().toString(), System.getProperty("java.vendor"), release, flags);
    }

    /**
     * Describes a build.
     *
     * @param bundles    the bundle jars
     * @param compiler   how they were compiled
     * @param classpaths per module path, its compile classpath; directories and the bundle jars
     *                   themselves (the reactor's own output) are left out
     * @throws BuildInfoException if a jar cannot be read, has no bundle name and no fallback, or two
     *                            bundles share a symbolic name
     */
    public static BuildInfo generate(List<BundleJar> bundles, BuildInfo.Compiler compiler,
                                     Map<String, List<Path>> classpaths) throws BuildInfoException {
        List<BuildInfo.Bundle> described = new ArrayList<>();
        List<ClassImage> images = new ArrayList<>();
        List<Path> ownJars = new ArrayList<>();
        for (BundleJar bundle : bundles) {
            ownJars.add(bundle.jar().toAbsolutePath().normalize());
            described.add(readBundle(bundle, images));
        }
        described.sort(Comparator.comparing(BuildInfo.Bundle::symbolicName));
        Map<String, List<Path>> byModule = new LinkedHashMap<>(classpaths);
        for (BuildInfo.Bundle b : described) {
            byModule.putIfAbsent(b.module(), List.of());
        }
        List<BuildInfo.Module> modules = new ArrayList<>();
        for (Map.Entry<String, List<Path>> e : byModule.entrySet()) {
            List<BuildInfo.Jar> jars = new ArrayList<>();
            for (Path p : e.getValue()) {
                if (Files.isDirectory(p) || ownJars.contains(p.toAbsolutePath().normalize())) {
                    continue;
                }
                jars.add(new BuildInfo.Jar(p.getFileName().toString(), hashFile(p)));
            }
            modules.add(new BuildInfo.Module(e.getKey(), jars));
        }
        modules.sort(Comparator.comparing(BuildInfo.Module::path));
        BuildId buildId;
        try {
            buildId = BuildId.compute(images);
        } catch (IllegalArgumentException e) {
            throw new BuildInfoException(e.getMessage(), e);
        }
        BuildInfo info = new BuildInfo(BuildInfo.FORMAT_VERSION, buildId, compiler, described, modules);
        BuildInfoCodec.validate(info);
        return info;
    }

    private static BuildInfo.Bundle readBundle(BundleJar bundle, List<ClassImage> images) throws BuildInfoException {
        try (JarFile jar = new JarFile(bundle.jar().toFile(), false)) {
            Manifest manifest = jar.getManifest();
            Attributes main = manifest == null ? new Attributes() : manifest.getMainAttributes();
            String name = main.getValue("Bundle-SymbolicName");
            String version = main.getValue("Bundle-Version");
            if (name != null) {
                name = name.split(";", 2)[0].strip();
            } else {
                name = bundle.fallbackName();
            }
            if (version == null) {
                version = bundle.fallbackVersion() != null ? bundle.fallbackVersion() : "0.0.0";
            }
            if (name == null) {
                throw new BuildInfoException(bundle.jar() + ": no Bundle-SymbolicName in its manifest and none given");
            }
            List<BuildInfo.ClassHash> classes = new ArrayList<>();
            for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements(); ) {
                JarEntry entry = en.nextElement();
                String entryName = entry.getName();
                if (entry.isDirectory() || !entryName.endsWith(".class") || entryName.startsWith("META-INF/")
                        || entryName.endsWith("module-info.class")) {
                    continue;
                }
                byte[] bytes;
                try (InputStream in = jar.getInputStream(entry)) {
                    bytes = in.readAllBytes();
                }
                String className = entryName.substring(0, entryName.length() - ".class".length()).replace('/', '.');
                classes.add(new BuildInfo.ClassHash(className, Sha256.of(bytes)));
                images.add(new ClassImage(name, version, className, bytes));
            }
            classes.sort(Comparator.comparing(BuildInfo.ClassHash::name));
            return new BuildInfo.Bundle(name, version, bundle.module(), classes);
        } catch (IOException e) {
            throw new BuildInfoException(bundle.jar() + ": cannot be read as a jar: " + e.getMessage(), e);
        }
    }

    /** The SHA-256 of a file's bytes. */
    static Sha256 hashFile(Path file) throws BuildInfoException {
        try {
            return Sha256.of(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new BuildInfoException(file + ": cannot be read: " + e.getMessage(), e);
        }
    }
}
