package io.hotvisor.patch.builder;

import io.hotvisor.patch.builder.compile.CompiledModule;
import io.hotvisor.patch.builder.host.HostBuild;
import io.hotvisor.patch.builder.host.HostCompiler;
import io.hotvisor.patch.builder.source.GitSources;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import io.hotvisor.patch.format.buildinfo.BuildInfoCodec;
import io.hotvisor.patch.format.buildinfo.BuildInfoTool;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A copy of this repository's own host code in a real git repository, and the build-info of the
 * host built from it: modules {@code patch-api}, {@code host-api}, {@code hv-runtime}, {@code patch-format},
 * {@code microcode-late-load} and {@code osgi-bundles/bundle-host} (its activator), compiled by the
 * builder as the distribution's Maven build compiles them, cut into bundles as the distribution
 * cuts them (command-line packages left out). Each patch case is a branch off the base commit.
 */
final class HostFixture implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final List<String> MODULES = List.of("patch-api", "host-api", "hv-runtime", "patch-format", "microcode-late-load",
            "osgi-bundles/bundle-host");
    /** The dependency jars of each module (file-name prefixes, found on this test's classpath). */
    private static final Map<String, List<String>> JARS = Map.of(
            "patch-api", List.of(),
            "host-api", List.of("jackson-databind-", "jackson-annotations-", "jackson-core-"),
            "hv-runtime", List.of("picocli-", "jackson-databind-", "jackson-annotations-", "jackson-core-", "asm-9"),
            "patch-format", List.of("jackson-databind-", "jackson-annotations-", "jackson-core-", "asm-9", "picocli-"),
            "microcode-late-load", List.of("jackson-databind-", "jackson-annotations-", "jackson-core-", "picocli-"),
            "osgi-bundles/bundle-host", List.of("picocli-", "jackson-databind-", "jackson-annotations-", "jackson-core-",
                    "asm-9", "osgi.core-"));
    /** Bundle symbolic name to its module and the packages it leaves out. */
    private static final Map<String, String[]> BUNDLES = Map.of(
            "io.hotvisor.livepatch.api", new String[] {"patch-api"},
            "io.hotvisor.runtime", new String[] {"hv-runtime", "io.hotvisor.runtime.cli"},
            "io.hotvisor.patch.format", new String[] {"patch-format", "io.hotvisor.patch.format.cli"},
            "io.hotvisor.microcode", new String[] {"microcode-late-load", "io.hotvisor.microcode.cli"},
            "io.hotvisor.host", new String[] {"osgi-bundles/bundle-host"});

    final Path dir;
    final Path repo;
    final Path mavenRepo;
    final Path cache;
    final Path target;
    final Git git;
    final RevCommit base;
    final HostBuild baseBuild;
    private final Path keys;

    HostFixture() throws Exception {
        dir = Files.createTempDirectory("hvpatch-corpus");
        repo = Files.createDirectories(dir.resolve("repo"));
        mavenRepo = Files.createDirectories(dir.resolve("m2"));
        cache = dir.resolve("cache");
        for (String module : MODULES) {
            copy(ROOT.resolve(module).resolve("pom.xml"), repo.resolve(module).resolve("pom.xml"));
            Path src = ROOT.resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    copy(f, repo.resolve(module).resolve("src/main/java").resolve(src.relativize(f).toString()));
                }
            }
        }
        git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call();
        git.add().addFilepattern(".").call();
        base = commit("base");
        List<BuildInfo.Module> modules = new ArrayList<>();
        for (String module : MODULES) {
            List<BuildInfo.Jar> jars = new ArrayList<>();
            for (String prefix : JARS.get(module)) {
                Path jar = classpathJar(prefix);
                Path copy = mavenRepo.resolve(jar.getFileName().toString());
                if (!Files.exists(copy)) {
                    Files.copy(jar, copy);
                }
                jars.add(new BuildInfo.Jar(jar.getFileName().toString(), Sha256.of(Files.readAllBytes(jar))));
            }
            modules.add(new BuildInfo.Module(module, jars));
        }
        BuildInfo.Compiler compiler = new BuildInfo.Compiler(Runtime.version().toString(), System.getProperty("java.vendor"), "17",
                List.of(BuildInfoTool.MAVEN_FLAGS.split(" ")));
        BuildInfo shell = new BuildInfo(BuildInfo.FORMAT_VERSION, BuildId.compute(List.of()), compiler, List.of(), modules);
        try (GitSources sources = GitSources.open(repo)) {
            baseBuild = new HostCompiler(shell, mavenRepo, cache, null).compile(sources.tree(sources.resolve("main")));
        }
        List<BuildInfo.Bundle> bundles = new ArrayList<>();
        List<ClassImage> images = new ArrayList<>();
        for (Map.Entry<String, String[]> b : new java.util.TreeMap<>(BUNDLES).entrySet()) {
            CompiledModule compiled = baseBuild.modules().get(b.getValue()[0]);
            List<BuildInfo.ClassHash> classes = new ArrayList<>();
            for (Map.Entry<String, byte[]> c : compiled.classMap().entrySet()) {
                if (b.getValue().length > 1 && c.getKey().startsWith(b.getValue()[1] + ".")) {
                    continue;
                }
                classes.add(new BuildInfo.ClassHash(c.getKey(), Sha256.of(c.getValue())));
                images.add(new ClassImage(b.getKey(), "0.1.0", c.getKey(), c.getValue()));
            }
            bundles.add(new BuildInfo.Bundle(b.getKey(), "0.1.0", b.getValue()[0], classes));
        }
        BuildInfo info = new BuildInfo(BuildInfo.FORMAT_VERSION, BuildId.compute(images), compiler, bundles, modules);
        target = dir.resolve("dist/build-info.json");
        Files.createDirectories(target.getParent());
        Files.write(target, BuildInfoCodec.write(info));
        keys = dir.resolve("keys");
        io.hotvisor.patch.format.sign.KeyFiles.write(keys, "corpus", io.hotvisor.patch.format.sign.SigningKey.generate());
    }

    /** A branch off the base with one commit applying {@code edits} (path to a rewrite of its content). */
    String change(String name, Map<String, UnaryOperator<String>> edits) throws Exception {
        git.checkout().setName(base.name()).call();
        git.checkout().setCreateBranch(true).setName(name).call();
        git.clean().setCleanDirectories(true).call();
        for (Map.Entry<String, UnaryOperator<String>> e : edits.entrySet()) {
            Path file = repo.resolve(e.getKey());
            String before = Files.exists(file) ? Files.readString(file) : "";
            String after = e.getValue().apply(before);
            if (after.equals(before)) {
                throw new IllegalArgumentException(name + ": the edit of " + e.getKey() + " changes nothing");
            }
            Files.createDirectories(file.getParent());
            Files.writeString(file, after);
        }
        git.add().addFilepattern(".").call();
        commit(name);
        git.checkout().setName("main").call();
        return name;
    }

    /** A replacement that must match exactly once. */
    static UnaryOperator<String> replace(String from, String to) {
        return s -> {
            int at = s.indexOf(from);
            if (at < 0 || s.indexOf(from, at + 1) >= 0) {
                throw new IllegalArgumentException("not exactly one '" + from + "'");
            }
            return s.substring(0, at) + to + s.substring(at + from.length());
        };
    }

    /** The request for a build of {@code head} against the fixture's host. */
    BuildRequest request(String head, boolean dryRun, Path target) {
        return new BuildRequest(repo, "main", head, null, "corpus", dryRun ? null : keys.resolve("corpus.key"),
                dryRun ? null : dir.resolve("out").resolve(head + ".hvp"), target, dryRun, null, null, null, cache, false,
                mavenRepo, List.of(), false);
    }

    /** The same for a diff file stacked on {@code applied}. */
    BuildRequest diffRequest(Path diff, List<Path> applied) {
        return new BuildRequest(repo, "main", null, diff, "corpus", keys.resolve("corpus.key"), dir.resolve("out/stacked.hvp"),
                target, false, null, null, null, cache, false, mavenRepo, applied, false);
    }

    /** Class bytes of the base build (the host's), for a behaviour check. */
    Map<String, byte[]> baseClasses() {
        return baseBuild.classes();
    }

    /** The class folders of the base build and the dependency jars, for a class loader like the host's. */
    List<Path> runtimeClasspath() throws Exception {
        List<Path> out = new ArrayList<>();
        for (String m : MODULES) {
            out.add(baseBuild.modules().get(m).directory());
        }
        try (Stream<Path> jars = Files.list(mavenRepo)) {
            jars.sorted().forEach(out::add);
        }
        return out;
    }

    private RevCommit commit(String message) throws Exception {
        PersonIdent who = new PersonIdent("Corpus", "corpus@example.org", new java.util.Date(1_700_000_000_000L), java.util.TimeZone.getTimeZone("UTC"));
        return git.commit().setMessage(message).setAuthor(who).setCommitter(who).call();
    }

    private static Path classpathJar(String prefix) {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (p.getFileName() != null && p.getFileName().toString().startsWith(prefix) && entry.endsWith(".jar")) {
                return p;
            }
        }
        throw new IllegalStateException("no " + prefix + "*.jar on the test classpath");
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to.getParent());
        Files.write(to, Files.readString(from, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws Exception {
        git.close();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    static Map<String, UnaryOperator<String>> edit(String path, UnaryOperator<String> op) {
        Map<String, UnaryOperator<String>> m = new LinkedHashMap<>();
        m.put(path, op);
        return m;
    }
}
