package io.hotvisor.patch.applier;

import io.hotvisor.livepatch.api.HealthProbe;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The "hypervisor" the tests patch: small classes compiled at test time with javax.tools, in
 * versions v1 (what the host runs), v2 and v3 (fixes), loaded from v1 by a fresh URLClassLoader
 * that plays the OSGi bundle {@code test.bundle 1.0.0}. Each test gets its own loader, so the
 * classes it redefines are its own.
 */
final class FixtureBundle {
    static final String BUNDLE = "test.bundle";
    static final String VERSION = "1.0.0";

    /** The sources, by version: v1 runs at boot; v2 changes every class and adds fix.Hooks; v3 changes Greeter again. */
    private static final Map<String, Map<String, String>> SOURCES = Map.of(
            "v1", Map.of(
                    "fix.Greeter", """
                            package fix;
                            public class Greeter {
                                public static String greet() { return "v1"; }
                                public static String other() { return "same"; }
                            }""",
                    "fix.Worker", """
                            package fix;
                            import java.util.concurrent.CountDownLatch;
                            public class Worker {
                                public static void hold(CountDownLatch entered, CountDownLatch leave) throws InterruptedException {
                                    entered.countDown();
                                    leave.await();
                                }
                            }""",
                    "fix.Ticker", """
                            package fix;
                            public class Ticker {
                                public static int tick(int x) { return x + 1; }
                            }"""),
            "v2", Map.of(
                    "fix.Greeter", """
                            package fix;
                            public class Greeter {
                                public static String greet() { return "v2"; }
                                public static String other() { return "same"; }
                            }""",
                    "fix.Worker", """
                            package fix;
                            import java.util.concurrent.CountDownLatch;
                            public class Worker {
                                public static void hold(CountDownLatch entered, CountDownLatch leave) throws InterruptedException {
                                    entered.countDown();
                                    leave.await();
                                    Thread.onSpinWait();
                                }
                            }""",
                    "fix.Ticker", """
                            package fix;
                            public class Ticker {
                                public static int tick(int x) {
                                    if (x >= 0) throw new IllegalStateException("tick broke at " + x);
                                    return x + 1;
                                }
                            }""",
                    "fix.Hooks", """
                            package fix;
                            import io.hotvisor.patch.applier.HookCalls;
                            import io.hotvisor.livepatch.api.HealthProbe;
                            public class Hooks {
                                public static void preApply() { HookCalls.call("pre-apply"); }
                                public static void apply() { HookCalls.call("apply"); }
                                public static void postApply() { HookCalls.call("post-apply"); }
                                public static void preRevert() { HookCalls.call("pre-revert"); }
                                public static void revert() { HookCalls.call("revert"); }
                                public static void postRevert() { HookCalls.call("post-revert"); }
                                @HealthProbe public static void probe() { HookCalls.call("probe"); }
                                public static String greeting() { return Greeter.greet(); }
                            }"""),
            "v3", Map.of(
                    "fix.Greeter", """
                            package fix;
                            public class Greeter {
                                public static String greet() { return "v3"; }
                                public static String other() { return "same"; }
                            }"""));

    private static Map<String, Map<String, byte[]>> compiled;

    final URLClassLoader loader;

    private FixtureBundle(URLClassLoader loader) {
        this.loader = loader;
    }

    /** A fresh bundle running v1. */
    static FixtureBundle load() {
        Path v1 = compiledDir("v1");
        try {
            return new FixtureBundle(new URLClassLoader(BUNDLE, new URL[] {v1.toUri().toURL()},
                    HookCalls.class.getClassLoader()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ClassLocator locator() {
        return ClassLocator.ForClassLoaders.of(BUNDLE, VERSION, loader);
    }

    Class<?> type(String className) {
        try {
            return Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Calls a static no-argument method of a fixture class. */
    Object call(String className, String method) {
        try {
            return type(className).getMethod(method).invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e.getCause() != null ? e.getCause() : e);
        }
    }

    /** The build-id of the v1 bundle: what a host running it reports. */
    static BuildId hostBuildId() {
        List<ClassImage> images = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : classes("v1").entrySet()) {
            images.add(new ClassImage(BUNDLE, VERSION, e.getKey(), e.getValue()));
        }
        return BuildId.compute(images);
    }

    static byte[] bytes(String version, String className) {
        byte[] b = classes(version).get(className);
        if (b == null) {
            throw new IllegalArgumentException(className + " has no " + version);
        }
        return b.clone();
    }

    static synchronized Map<String, byte[]> classes(String version) {
        compileAll();
        return compiled.get(version);
    }

    private static synchronized Path compiledDir(String version) {
        compileAll();
        return root.resolve(version);
    }

    private static Path root;

    private static synchronized void compileAll() {
        if (compiled != null) {
            return;
        }
        try {
            root = Files.createTempDirectory("hv-fixture-");
            root.toFile().deleteOnExit();
            Map<String, Map<String, byte[]>> out = new HashMap<>();
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            String classpath = codeSource(HookCalls.class) + java.io.File.pathSeparator + codeSource(HealthProbe.class);
            for (Map.Entry<String, Map<String, String>> version : SOURCES.entrySet()) {
                Path src = root.resolve("src-" + version.getKey());
                Path dst = root.resolve(version.getKey());
                Files.createDirectories(dst);
                List<String> args = new ArrayList<>(List.of("-d", dst.toString(), "-cp", classpath, "--release", "17",
                        "-g", "-proc:none"));
                for (Map.Entry<String, String> s : version.getValue().entrySet()) {
                    Path file = src.resolve(s.getKey().replace('.', '/') + ".java");
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, s.getValue());
                    args.add(file.toString());
                }
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int rc = javac.run(null, err, err, args.toArray(new String[0]));
                if (rc != 0) {
                    throw new IllegalStateException("fixture " + version.getKey() + " does not compile:\n" + err);
                }
                Map<String, byte[]> classes = new HashMap<>();
                try (Stream<Path> files = Files.walk(dst)) {
                    for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                        String rel = dst.relativize(f).toString();
                        classes.put(rel.substring(0, rel.length() - ".class".length()).replace(java.io.File.separatorChar, '.'),
                                Files.readAllBytes(f));
                    }
                }
                out.put(version.getKey(), classes);
            }
            compiled = out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String codeSource(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
