package io.hotvisor.patch.applier;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds the host's classes by the coordinates a payload uses: bundle symbolic name, bundle
 * version and binary class name. The OSGi host implements it over its installed bundles; tests
 * use {@link ForClassLoaders}.
 */
public interface ClassLocator {
    /**
     * The class loader of a bundle, or empty when no such bundle is installed.
     *
     * @param bundleVersion the version, or {@code null} for "whichever version is installed"
     *                      (hooks name a bundle without a version)
     */
    Optional<ClassLoader> loader(String bundle, String bundleVersion);

    /**
     * The class the bundle's own loader defines under {@code className}, loading it if needed; empty
     * when the bundle is not installed or does not define that class (a class it merely imports
     * from another bundle does not count).
     */
    default Optional<Class<?>> loadedClass(String bundle, String bundleVersion, String className) {
        Optional<ClassLoader> loader = loader(bundle, bundleVersion);
        if (loader.isEmpty()) {
            return Optional.empty();
        }
        try {
            Class<?> type = Class.forName(className, false, loader.get());
            return type.getClassLoader() == loader.get() ? Optional.of(type) : Optional.empty();
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty();
        }
    }

    /**
     * A class of package {@code packageName} that the bundle's loader has defined, used to define
     * a payload's new class beside it ({@link java.lang.invoke.MethodHandles.Lookup#defineClass}
     * needs a class of the same package and loader). Empty by default: the agent then uses a
     * class of that package that the payload itself redefines, or a loader that implements
     * {@link DefiningLoader}.
     */
    default Optional<Class<?>> packageAnchor(String bundle, String bundleVersion, String packageName) {
        return Optional.empty();
    }

    /**
     * A class loader that can define a payload's new class into itself; the agent uses it when
     * no class of the new class's package is loaded there yet.
     */
    interface DefiningLoader {
        /** Defines {@code bytes} as class {@code className} in this loader. */
        Class<?> defineLivepatchClass(String className, byte[] bytes);
    }

    /** A fixed map from bundle symbolic name to (version, loader): for tests and simple hosts. */
    final class ForClassLoaders implements ClassLocator {
        private final Map<String, Map.Entry<String, ClassLoader>> bundles;

        /** @param bundles bundle symbolic name to (bundle version, class loader) */
        public ForClassLoaders(Map<String, Map.Entry<String, ClassLoader>> bundles) {
            this.bundles = Map.copyOf(bundles);
        }

        /** One bundle. */
        public static ForClassLoaders of(String bundle, String bundleVersion, ClassLoader loader) {
            return new ForClassLoaders(Map.of(bundle, Map.entry(bundleVersion, loader)));
        }

        /**
         * For a {@link java.net.URLClassLoader}: the first class file of the package found in its
         * directories and jars (what a bundle's entries are to OSGi), loaded through it.
         */
        @Override
        public Optional<Class<?>> packageAnchor(String bundle, String bundleVersion, String packageName) {
            Optional<ClassLoader> loader = loader(bundle, bundleVersion);
            if (loader.isEmpty() || !(loader.get() instanceof java.net.URLClassLoader urls)) {
                return Optional.empty();
            }
            String dir = packageName.replace('.', '/');
            for (java.net.URL url : urls.getURLs()) {
                for (String name : classFiles(url, dir)) {
                    Optional<Class<?>> c = loadedClass(bundle, bundleVersion, packageName + "." + name);
                    if (c.isPresent()) {
                        return c;
                    }
                }
            }
            return Optional.empty();
        }

        private static java.util.List<String> classFiles(java.net.URL url, String dir) {
            java.util.List<String> out = new java.util.ArrayList<>();
            try {
                java.nio.file.Path root = java.nio.file.Path.of(url.toURI());
                if (java.nio.file.Files.isDirectory(root)) {
                    java.nio.file.Path pkg = root.resolve(dir);
                    if (java.nio.file.Files.isDirectory(pkg)) {
                        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(pkg)) {
                            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".class"))
                                    .sorted().forEach(n -> out.add(n.substring(0, n.length() - 6)));
                        }
                    }
                } else if (java.nio.file.Files.isRegularFile(root)) {
                    try (java.util.jar.JarFile jar = new java.util.jar.JarFile(root.toFile())) {
                        jar.stream().map(java.util.zip.ZipEntry::getName)
                                .filter(n -> n.startsWith(dir + "/") && n.endsWith(".class")
                                        && n.indexOf('/', dir.length() + 1) < 0)
                                .sorted().forEach(n -> out.add(n.substring(dir.length() + 1, n.length() - 6)));
                    }
                }
            } catch (java.net.URISyntaxException | java.io.IOException | IllegalArgumentException e) {
                return out;
            }
            return out;
        }

        @Override
        public Optional<ClassLoader> loader(String bundle, String bundleVersion) {
            Map.Entry<String, ClassLoader> e = bundles.get(bundle);
            if (e == null || (bundleVersion != null && !Objects.equals(e.getKey(), bundleVersion))) {
                return Optional.empty();
            }
            return Optional.of(e.getValue());
        }
    }
}
