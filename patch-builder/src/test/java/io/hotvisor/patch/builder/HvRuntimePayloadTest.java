package io.hotvisor.patch.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hotvisor.patch.builder.compile.ModuleCompiler;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import io.hotvisor.patch.format.buildinfo.BuildInfoCodec;
import io.hotvisor.patch.format.buildinfo.BuildInfoGenerator;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.ClassKind;
import io.hotvisor.patch.format.payload.Payload;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.sign.KeyFiles;
import io.hotvisor.patch.format.sign.SigningKey;
import io.hotvisor.patch.format.sign.TrustStore;
import io.hotvisor.patch.builder.compile.ClasspathResolver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * This repository's own hypervisor: the builder's compile reproduces Maven's output byte for byte,
 * and a one-line fix to hv-runtime becomes a payload that verifies and expects exactly the classes
 * of the host jar.
 */
class HvRuntimePayloadTest {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path CLASSES = ROOT.resolve("hv-runtime/target/classes");
    static final Path JAR = ROOT.resolve("hv-runtime/target/hv-runtime-0.1.0-SNAPSHOT.jar");

    @TempDir
    Path work;

    @Test
    void compilingHvRuntimeReproducesMavensClassesByteForByte() throws Exception {
        assumeTrue(Files.isDirectory(CLASSES), () -> skip("hv-runtime/target/classes is not built"));
        Path src = ROOT.resolve("hv-runtime/src/main/java");
        Map<String, byte[]> sources = new TreeMap<>();
        long newestSource = 0;
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                sources.put("hv-runtime/src/main/java/" + src.relativize(f), Files.readAllBytes(f));
                newestSource = Math.max(newestSource, Files.getLastModifiedTime(f).toMillis());
            }
        }
        SortedMap<String, byte[]> maven = ModuleCompiler.readClasses(CLASSES);
        long oldestClass = maven.keySet().stream().mapToLong(n -> modified(CLASSES.resolve(n.replace('.', '/') + ".class"))).min().orElse(0);
        assumeTrue(newestSource <= oldestClass, () -> skip("hv-runtime/target/classes is older than its sources; rebuild hv-runtime"));
        List<Path> classpath = List.of(ROOT.resolve("hv-runtime/target/lib").toFile().listFiles()).stream()
                .map(java.io.File::toPath).filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        SortedMap<String, byte[]> ours = new ModuleCompiler().compile("hv-runtime", "working tree", sources,
                DemoRepo.compiler(), classpath, Files.createDirectories(work.resolve("out")));
        assertThat(ours.keySet()).containsExactlyElementsOf(maven.keySet());
        for (String name : maven.keySet()) {
            assertThat(Sha256.of(ours.get(name))).as(name).isEqualTo(Sha256.of(maven.get(name)));
        }
    }

    @Test
    void oneLineFixToHvRuntimeGivesAVerifiedPayloadExpectingTheHostsClasses() throws Exception {
        assumeTrue(Files.isRegularFile(JAR), () -> skip("hv-runtime/target/hv-runtime-0.1.0-SNAPSHOT.jar is not built"));
        Path clone = work.resolve("clone");
        RevCommit head;
        String base;
        try (Git git = Git.cloneRepository().setURI(ROOT.toUri().toString()).setDirectory(clone.toFile()).call()) {
            base = git.getRepository().resolve("HEAD").name();
            Path file = clone.resolve("hv-runtime/src/main/java/io/hotvisor/runtime/console/ConsoleRing.java");
            assumeTrue(Files.isRegularFile(file), () -> skip("ConsoleRing.java moved"));
            String text = Files.readString(file);
            String fixed = text.replaceFirst("(public [\\w<>\\[\\] ]+\\([^)]*\\) \\{\\n)", "$1        java.util.Objects.hash(0);\n");
            assumeTrue(!fixed.equals(text), () -> skip("no method to change in ConsoleRing"));
            Files.writeString(file, fixed, StandardCharsets.UTF_8);
            git.add().addFilepattern("hv-runtime").call();
            PersonIdent who = new PersonIdent("Dev", "dev@example.org");
            head = git.commit().setMessage("one-line fix").setAuthor(who).setCommitter(who).call();
        }
        List<Path> cp = List.of(ROOT.resolve("hv-runtime/target/lib").toFile().listFiles()).stream()
                .map(java.io.File::toPath).filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        BuildInfo info = BuildInfoGenerator.generate(List.of(new BuildInfoGenerator.BundleJar(JAR, "hv-runtime",
                "io.hotvisor.runtime", "0.1.0")), DemoRepo.compiler(), Map.of("hv-runtime", cp));
        Path target = work.resolve("build-info.json");
        Files.write(target, BuildInfoCodec.write(info));
        SigningKey key = SigningKey.generate();
        Path keyFile = KeyFiles.write(Files.createDirectories(work.resolve("keys")), "dev", key);
        Path out = work.resolve("fix.hvp");
        BuildRequest request = new BuildRequest(clone, base, head.name(), null, "console-fix", keyFile, out, target, false,
                "one-line fix", null, null, work.resolve("cache"), false, ClasspathResolver.defaultLocalRepository());
        BuildResult result;
        try {
            result = new PatchBuilder(request, PatchBuilder.Progress.NONE).build();
        } catch (BuildException e) {
            assumeTrue(e.error() != BuildError.TARGET_MISMATCH, () -> skip("the hv-runtime jar was not built from HEAD: " + e.getMessage()));
            throw e;
        }
        Payload payload = new PayloadReader().verify(out, TrustStore.of(List.of(key.publicKey())));
        assertThat(payload.manifest().targetBuildId()).isEqualTo(info.buildId());
        assertThat(payload.manifest().metadata().baseRevision()).isEqualTo(base);
        assertThat(payload.manifest().metadata().headRevision()).isEqualTo(head.name());
        assertThat(payload.manifest().classes()).extracting(ClassEntry::className)
                .containsExactly("io.hotvisor.runtime.console.ConsoleRing");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (ClassEntry c : payload.manifest().classes()) {
                assertThat(c.kind()).isEqualTo(ClassKind.REDEFINE);
                byte[] running = jar.getInputStream(jar.getEntry(c.className().replace('.', '/') + ".class")).readAllBytes();
                assertThat(c.expectedSha256()).isEqualTo(Sha256.of(running));
                assertThat(c.bundle()).isEqualTo("io.hotvisor.runtime");
            }
        }
        assertThat(result.bytes()).isEqualTo(Files.readAllBytes(out));
        // Deterministic: the same inputs again (now from the cache) give the same bytes.
        BuildResult again = new PatchBuilder(new BuildRequest(clone, base, head.name(), null, "console-fix", keyFile,
                work.resolve("again.hvp"), target, false, "one-line fix", null, null, work.resolve("cache"), false,
                ClasspathResolver.defaultLocalRepository()), PatchBuilder.Progress.NONE).build();
        assertThat(again.bytes()).isEqualTo(result.bytes());
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static String skip(String why) {
        String message = "SKIPPED: " + why;
        System.out.println(message);
        return message;
    }
}
