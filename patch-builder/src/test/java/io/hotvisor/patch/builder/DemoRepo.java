package io.hotvisor.patch.builder;

import io.hotvisor.patch.builder.compile.ModuleCompiler;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import io.hotvisor.patch.format.buildinfo.BuildInfoCodec;
import io.hotvisor.patch.format.buildinfo.BuildInfoGenerator;
import io.hotvisor.patch.format.buildinfo.BuildInfoTool;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A real git repository built in code: a Maven-style module {@code core} (bundle {@code demo.core})
 * depending on a copy of this repository's {@code patch-api}, one base commit, and one branch per
 * kind of change, each a single commit on the base.
 */
final class DemoRepo {
    static final String SCHEDULER = "core/src/main/java/demo/Scheduler.java";
    static final String BASE_SCHEDULER = """
            package demo;

            /** A tiny scheduler. */
            public class Scheduler {
                public static final int LIMIT = 5;
                static final java.util.List<String> NAMES = java.util.List.of("a");
                private int credit;

                public int tick(int n) {
                    credit += n;
                    return n + 1;
                }

                public Runnable task() {
                    Runnable r = () -> System.out.println("old");
                    return r;
                }
            }
            """;
    static final String BUDGET = """
            package demo;

            public class Budget {
                public int max() {
                    return Scheduler.LIMIT * 2;
                }
            }
            """;

    final Path dir;
    final Git git;
    final RevCommit base;
    private int seconds = 1_700_000_000;

    private DemoRepo(Path dir, Git git, RevCommit base) {
        this.dir = dir;
        this.git = git;
        this.base = base;
    }

    static DemoRepo create(Path dir) throws Exception {
        Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call();
        write(dir, "pom.xml", "<project><modelVersion>4.0.0</modelVersion><groupId>demo</groupId><artifactId>parent</artifactId>"
                + "<version>1</version><packaging>pom</packaging><modules><module>patch-api</module><module>core</module></modules></project>\n");
        write(dir, "core/pom.xml", "<project><modelVersion>4.0.0</modelVersion><artifactId>core</artifactId><dependencies>"
                + "<dependency><groupId>demo</groupId><artifactId>patch-api</artifactId></dependency>"
                + "<dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><scope>test</scope></dependency>"
                + "</dependencies></project>\n");
        write(dir, "patch-api/pom.xml", "<project><modelVersion>4.0.0</modelVersion><artifactId>patch-api</artifactId></project>\n");
        Path api = Path.of(System.getProperty("user.dir")).resolve("../patch-api/src/main/java").normalize();
        try (Stream<Path> files = Files.walk(api)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                write(dir, "patch-api/src/main/java/" + api.relativize(f).toString().replace('\\', '/'), Files.readString(f));
            }
        }
        write(dir, SCHEDULER, BASE_SCHEDULER);
        write(dir, "core/src/main/java/demo/Budget.java", BUDGET);
        write(dir, "core/src/main/java/demo/package-info.java", "/** Demo. */\npackage demo;\n");
        DemoRepo repo = new DemoRepo(dir, git, null);
        RevCommit base = repo.commit("base");
        return new DemoRepo(dir, git, base);
    }

    /** A branch {@code name} off the base with one commit writing {@code files} (path to content). */
    RevCommit change(String name, Map<String, String> files) throws Exception {
        git.checkout().setName(base.name()).call();
        git.checkout().setCreateBranch(true).setName(name).call();
        for (Map.Entry<String, String> f : files.entrySet()) {
            write(dir, f.getKey(), f.getValue());
        }
        RevCommit c = commit(name);
        git.checkout().setName("main").call();
        return c;
    }

    RevCommit commit(String message) throws Exception {
        git.add().addFilepattern(".").call();
        PersonIdent who = new PersonIdent("Dev", "dev@example.org", new java.util.Date(1000L * seconds++), java.util.TimeZone.getTimeZone("UTC"));
        return git.commit().setMessage(message).setAuthor(who).setCommitter(who).call();
    }

    /**
     * The target host's build-info: the base's core module compiled as Maven would (through the
     * builder's own compiler, with patch-api beside it), packed as a plain jar, described by
     * {@link BuildInfoGenerator} as bundle {@code demo.core 1.0.0}.
     */
    Path buildInfo(Path work) throws Exception {
        Path classes = Files.createDirectories(work.resolve("host-classes"));
        Path apiClasses = Files.createDirectories(work.resolve("api-classes"));
        BuildInfo.Compiler compiler = compiler();
        ModuleCompiler javac = new ModuleCompiler();
        javac.compile("patch-api", "base", sources(dir.resolve("patch-api/src/main/java"), "patch-api/src/main/java"), compiler, List.of(), apiClasses);
        javac.compile("core", "base", sources(dir.resolve("core/src/main/java"), "core/src/main/java"), compiler, List.of(apiClasses), classes);
        Path jar = work.resolve("core.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        BuildInfo info = BuildInfoGenerator.generate(List.of(new BuildInfoGenerator.BundleJar(jar, "core", "demo.core", "1.0.0")),
                compiler, Map.of("core", List.of(apiClasses)));
        Path file = work.resolve("build-info.json");
        Files.write(file, BuildInfoCodec.write(info));
        return file;
    }

    /** The compiler a Maven build of this repository uses. */
    static BuildInfo.Compiler compiler() {
        return BuildInfoGenerator.runningCompiler("17", Arrays.asList(BuildInfoTool.MAVEN_FLAGS.split(" ")));
    }

    private static Map<String, byte[]> sources(Path root, String prefix) throws IOException {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.put(prefix + "/" + root.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        }
        return out;
    }

    static void write(Path dir, String path, String content) throws IOException {
        Path file = dir.resolve(path);
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
    }
}
