package io.hotvisor.patch.builder;

import io.hotvisor.patch.builder.compile.ModuleCompiler;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import io.hotvisor.patch.format.buildinfo.BuildInfoCodec;
import io.hotvisor.patch.format.buildinfo.BuildInfoGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A real git repository and the host distribution built from its base, laid out as the real one
 * is: {@code dist/build-info.json} beside {@code dist/bundles/*.jar}.
 *
 * <p>Module {@code core} (depending on a copy of this repository's {@code patch-api}) compiles two
 * packages, each cut into a bundle jar the way bnd cuts hv-runtime: folder entries, a wrapped
 * manifest with CRLF line ends, the classes, a resource and Maven's {@code pom.properties}.
 * {@code demo.sched} declares {@code Hotvisor-Replaceable} and also carries an activator in package
 * {@code demo.sched.host} that another module compiled; {@code demo.cpu} is not replaceable.
 */
public final class BundleDistribution {
    public static final String CREDIT = "core/src/main/java/demo/sched/Credit.java";
    public static final String STALE = "core/src/main/java/demo/sched/Stale.java";
    public static final String HART = "core/src/main/java/demo/cpu/Hart.java";
    public static final String BASE_CREDIT = """
            package demo.sched;

            /** The credit of one vCPU. */
            public class Credit {
                private int credit;

                public int tick(int n) {
                    credit += n;
                    return credit;
                }
            }
            """;
    public static final String BASE_HART = """
            package demo.cpu;

            /** One hardware thread. */
            public class Hart {
                private long pc;

                public long step() {
                    pc += 4;
                    return pc;
                }
            }
            """;
    /** The sched bundle's manifest headers, in the order bnd would write them. */
    static final List<String> SCHED_HEADERS = List.of(
            "Manifest-Version: 1.0",
            "Created-By: bnd, as a test writes it",
            "Bundle-ManifestVersion: 2",
            "Bundle-Name: Demo scheduler",
            "Bundle-SymbolicName: demo.sched",
            "Bundle-Version: 1.0.0",
            "Export-Package: demo.sched;version=\"1.0.0\";uses:=\"demo.cpu\",demo.sched.host;version=\"1.0.0\"",
            "Hotvisor-Replaceable: demo.sched.host.CreditTransfer",
            "Import-Package: demo.cpu;version=\"[1.0,2)\",java.lang");
    static final List<String> CPU_HEADERS = List.of(
            "Manifest-Version: 1.0",
            "Bundle-ManifestVersion: 2",
            "Bundle-SymbolicName: demo.cpu",
            "Bundle-Version: 1.0.0",
            "Export-Package: demo.cpu;version=\"1.0.0\"");

    private final Path work;
    private final Path dir;
    private final Git git;
    private final Path apiClasses;
    private final Path target;
    private RevCommit base;
    private int seconds = 1_700_000_000;

    private BundleDistribution(Path work, Git git, Path apiClasses) {
        this.work = work;
        this.dir = work.resolve("repo");
        this.git = git;
        this.apiClasses = apiClasses;
        this.target = work.resolve("dist/build-info.json");
    }

    /** The repository in {@code work/repo}, its base committed, and the distribution in {@code work/dist}. */
    public static BundleDistribution create(Path work) throws Exception {
        Path dir = work.resolve("repo");
        Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call();
        DemoRepo.write(dir, "pom.xml", "<project><modelVersion>4.0.0</modelVersion><groupId>demo</groupId><artifactId>parent</artifactId>"
                + "<version>1</version><packaging>pom</packaging><modules><module>patch-api</module><module>core</module></modules></project>\n");
        DemoRepo.write(dir, "core/pom.xml", "<project><modelVersion>4.0.0</modelVersion><artifactId>core</artifactId><dependencies>"
                + "<dependency><groupId>demo</groupId><artifactId>patch-api</artifactId></dependency></dependencies></project>\n");
        DemoRepo.write(dir, "patch-api/pom.xml", "<project><modelVersion>4.0.0</modelVersion><artifactId>patch-api</artifactId></project>\n");
        Path api = Path.of(System.getProperty("user.dir")).resolve("../patch-api/src/main/java").normalize();
        try (Stream<Path> files = Files.walk(api)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                DemoRepo.write(dir, "patch-api/src/main/java/" + api.relativize(f).toString().replace('\\', '/'), Files.readString(f));
            }
        }
        DemoRepo.write(dir, CREDIT, BASE_CREDIT);
        DemoRepo.write(dir, "core/src/main/java/demo/sched/RunQueue.java", """
                package demo.sched;

                /** The vCPUs waiting for a pCPU. */
                public class RunQueue {
                    private final java.util.ArrayDeque<Credit> waiting = new java.util.ArrayDeque<>();

                    public void add(Credit c) {
                        waiting.add(c);
                    }
                }
                """);
        DemoRepo.write(dir, STALE, "package demo.sched;\n\n/** Soon gone. */\nclass Stale {\n}\n");
        DemoRepo.write(dir, "core/src/main/java/demo/sched/package-info.java", "/** The scheduler. */\npackage demo.sched;\n");
        DemoRepo.write(dir, HART, BASE_HART);
        DemoRepo.write(dir, "core/src/main/java/demo/cpu/package-info.java", "/** The CPUs. */\npackage demo.cpu;\n");
        Path apiClasses = Files.createDirectories(work.resolve("api-classes"));
        new ModuleCompiler().compile("patch-api", "base", sources(dir, "patch-api/src/main/java"), DemoRepo.compiler(), List.of(), apiClasses);
        BundleDistribution made = new BundleDistribution(work, git, apiClasses);
        made.base = made.commit("base");
        made.writeDistribution();
        return made;
    }

    /** The repository. */
    public Path repo() {
        return dir;
    }

    /** The base commit. */
    public String base() {
        return base.name();
    }

    /** The distribution's {@code build-info.json}. */
    public Path target() {
        return target;
    }

    /** A bundle jar of the distribution. */
    public Path jar(String fileName) {
        return target.resolveSibling("bundles").resolve(fileName);
    }

    /** A branch {@code name} off the base with one commit writing {@code files}; a {@code null} content deletes. */
    public String change(String name, Map<String, String> files) throws Exception {
        git.checkout().setName(base.name()).call();
        git.checkout().setCreateBranch(true).setName(name).call();
        for (Map.Entry<String, String> f : files.entrySet()) {
            if (f.getValue() == null) {
                git.rm().addFilepattern(f.getKey()).call();
            } else {
                DemoRepo.write(dir, f.getKey(), f.getValue());
            }
        }
        commit(name);
        git.checkout().setName("main").call();
        return name;
    }

    /** Module core compiled as the builder compiles it, with {@code files} changed from the base ({@code null} deletes). */
    public SortedMap<String, byte[]> compileCore(Map<String, String> files) throws Exception {
        Map<String, byte[]> sources = sources(dir, "core/src/main/java");
        files.forEach((path, content) -> {
            if (content == null) {
                sources.remove(path);
            } else {
                sources.put(path, content.getBytes(StandardCharsets.UTF_8));
            }
        });
        Path out = Files.createTempDirectory(work, "core-classes");
        return new ModuleCompiler().compile("core", "test", sources, DemoRepo.compiler(), List.of(apiClasses), out);
    }

    private RevCommit commit(String message) throws Exception {
        git.add().addFilepattern(".").call();
        PersonIdent who = new PersonIdent("Dev", "dev@example.org", new java.util.Date(1000L * seconds++), java.util.TimeZone.getTimeZone("UTC"));
        return git.commit().setMessage(message).setAuthor(who).setCommitter(who).call();
    }

    /** The base's bundles as jars in dist/bundles, and dist/build-info.json describing them. */
    private void writeDistribution() throws Exception {
        SortedMap<String, byte[]> core = compileCore(Map.of());
        Path hostClasses = Files.createDirectories(work.resolve("host-classes"));
        SortedMap<String, byte[]> host = new ModuleCompiler().compile("host", "base", Map.of(
                "host/src/main/java/demo/sched/host/Activator.java", """
                        package demo.sched.host;

                        /** Starts the scheduler bundle (compiled by another module than core). */
                        public final class Activator {
                        }
                        """.getBytes(StandardCharsets.UTF_8)), DemoRepo.compiler(), List.of(), hostClasses);
        Path bundles = Files.createDirectories(target.resolveSibling("bundles"));
        Path sched = bundles.resolve("demo-sched-1.0.0.jar");
        Map<String, byte[]> schedClasses = new TreeMap<>();
        core.forEach((name, bytes) -> {
            if (name.startsWith("demo.sched.")) {
                schedClasses.put(name, bytes);
            }
        });
        schedClasses.putAll(host);
        writeJar(sched, SCHED_HEADERS, List.of("demo/", "demo/sched/", "demo/sched/host/"), schedClasses,
                Map.of("demo/sched/defaults.properties", "slice=30\n", "META-INF/maven/demo/sched/pom.properties", "version=1.0.0\n"));
        Path cpu = bundles.resolve("demo-cpu-1.0.0.jar");
        Map<String, byte[]> cpuClasses = new TreeMap<>();
        core.forEach((name, bytes) -> {
            if (name.startsWith("demo.cpu.")) {
                cpuClasses.put(name, bytes);
            }
        });
        writeJar(cpu, CPU_HEADERS, List.of("demo/", "demo/cpu/"), cpuClasses, Map.of());
        Files.writeString(bundles.resolve("not-a-bundle.jar"), "not a zip"); // passed over, as asm-*.jar would be if broken
        BuildInfo info = BuildInfoGenerator.generate(List.of(
                        new BuildInfoGenerator.BundleJar(sched, "core", null, null),
                        new BuildInfoGenerator.BundleJar(cpu, "core", null, null)),
                DemoRepo.compiler(), Map.of());
        Files.write(target, BuildInfoCodec.write(info));
    }

    /** A jar as bnd and Maven lay it out: META-INF/ and the manifest first, folders, classes, resources; deflated. */
    static void writeJar(Path jar, List<String> headers, List<String> folders, Map<String, byte[]> classes,
                         Map<String, String> resources) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream out = new ZipOutputStream(file)) {
            put(out, "META-INF/", new byte[0]);
            put(out, "META-INF/MANIFEST.MF", manifest(headers).getBytes(StandardCharsets.UTF_8));
            for (String folder : folders) {
                put(out, folder, new byte[0]);
            }
            for (Map.Entry<String, byte[]> c : classes.entrySet()) {
                put(out, c.getKey().replace('.', '/') + ".class", c.getValue());
            }
            for (Map.Entry<String, String> r : new TreeMap<>(resources).entrySet()) {
                put(out, r.getKey(), r.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** Manifest text: each header wrapped at 72 bytes, CRLF line ends, and the empty line that ends the main section. */
    static String manifest(List<String> headers) {
        StringBuilder out = new StringBuilder();
        for (String h : headers) {
            out.append(h, 0, Math.min(72, h.length())).append("\r\n");
            for (int at = 72; at < h.length(); at += 71) {
                out.append(' ').append(h, at, Math.min(at + 71, h.length())).append("\r\n");
            }
        }
        return out.append("\r\n").toString();
    }

    private static void put(ZipOutputStream out, String name, byte[] bytes) throws IOException {
        out.putNextEntry(new ZipEntry(name));
        out.write(bytes);
        out.closeEntry();
    }

    private static Map<String, byte[]> sources(Path repo, String prefix) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        Path root = repo.resolve(prefix);
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.put(prefix + "/" + root.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        }
        return out;
    }

    /** Every entry of a jar, name to bytes, in the jar's order. */
    public static List<Map.Entry<String, byte[]>> entries(byte[] jar) throws IOException {
        List<Map.Entry<String, byte[]>> out = new ArrayList<>();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(jar))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.add(Map.entry(e.getName(), in.readAllBytes()));
            }
        }
        return out;
    }
}
