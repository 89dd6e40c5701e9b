package io.hotvisor.patch.format.buildinfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/** The build-info document: generated from jars, strict to read, canonical to write (README "Build info"). */
class BuildInfoTest {
    @TempDir
    Path dir;

    private static byte[] emptyClass(String internalName) {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, internalName, null, "java/lang/Object", null);
        cw.visitEnd();
        return cw.toByteArray();
    }

    private Path jar(String name, Map<String, String> headers, String... classes) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.forEach((k, v) -> mf.getMainAttributes().putValue(k, v));
        Path file = dir.resolve(name);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(file), mf)) {
            for (String c : classes) {
                out.putNextEntry(new JarEntry(c + ".class"));
                out.write(emptyClass(c));
                out.closeEntry();
            }
        }
        return file;
    }

    @Test
    void generatorReadsBundleHeadersHashesClassesAndComputesTheBuildId() throws Exception {
        Path bundle = jar("sched.jar", Map.of("Bundle-SymbolicName", "io.hotvisor.sched;singleton:=true", "Bundle-Version", "0.1.0"),
                "io/hotvisor/sched/Credit2", "io/hotvisor/sched/Credit2$Entry");
        Path plain = jar("runtime.jar", Map.of(), "io/hotvisor/runtime/Host");
        Path dep = Files.write(dir.resolve("picocli-4.7.7.jar"), new byte[] {1, 2, 3});
        BuildInfo info = BuildInfoGenerator.generate(List.of(
                        new BuildInfoGenerator.BundleJar(bundle, "hv-runtime", null, null),
                        new BuildInfoGenerator.BundleJar(plain, "hv-runtime", "io.hotvisor.runtime", "0.1.0")),
                BuildInfoGenerator.runningCompiler("17", List.of("-g")), Map.of("hv-runtime", List.of(dep, dir, plain)));
        assertEquals(List.of("io.hotvisor.runtime", "io.hotvisor.sched"), info.bundles().stream().map(BuildInfo.Bundle::symbolicName).toList());
        BuildInfo.Bundle sched = info.bundles().get(1);
        assertEquals(List.of("io.hotvisor.sched.Credit2", "io.hotvisor.sched.Credit2$Entry"),
                sched.classes().stream().map(BuildInfo.ClassHash::name).toList());
        assertEquals(Sha256.of(emptyClass("io/hotvisor/sched/Credit2")), sched.hashOf("io.hotvisor.sched.Credit2").orElseThrow());
        assertEquals(List.of(new BuildInfo.Jar("picocli-4.7.7.jar", Sha256.of(new byte[] {1, 2, 3}))),
                info.module("hv-runtime").orElseThrow().classpath(), "directories and the bundles themselves are left out");
        BuildId expected = BuildId.compute(List.of(
                new ClassImage("io.hotvisor.sched", "0.1.0", "io.hotvisor.sched.Credit2", emptyClass("io/hotvisor/sched/Credit2")),
                new ClassImage("io.hotvisor.sched", "0.1.0", "io.hotvisor.sched.Credit2$Entry", emptyClass("io/hotvisor/sched/Credit2$Entry")),
                new ClassImage("io.hotvisor.runtime", "0.1.0", "io.hotvisor.runtime.Host", emptyClass("io/hotvisor/runtime/Host"))));
        assertEquals(expected, info.buildId());
        assertEquals(Runtime.version().toString(), info.compiler().javacVersion());
    }

    @Test
    void writeThenReadGivesTheSameDocumentAndTheSameBytes() throws Exception {
        Path plain = jar("runtime.jar", Map.of(), "a/B");
        BuildInfo info = BuildInfoGenerator.generate(List.of(new BuildInfoGenerator.BundleJar(plain, "hv-runtime", "a", "1.0")),
                BuildInfoGenerator.runningCompiler("17", List.of("-g", "-encoding", "UTF-8")), Map.of());
        byte[] json = BuildInfoCodec.write(info);
        assertEquals(info, BuildInfoCodec.read(json));
        assertTrue(new String(json, StandardCharsets.UTF_8).startsWith("{\n  \"format-version\" : \"1.0\",\n  \"build-id\" : "));
        assertEquals(new String(json, StandardCharsets.UTF_8), new String(BuildInfoCodec.write(BuildInfoCodec.read(json)), StandardCharsets.UTF_8));
    }

    @Test
    void hvctlInfoOutputIsReadAsTheBuildInfoItCarries(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path plain = jar("runtime.jar", Map.of(), "a/B");
        BuildInfo info = BuildInfoGenerator.generate(List.of(new BuildInfoGenerator.BundleJar(plain, "hv-runtime", "a", "1.0")),
                BuildInfoGenerator.runningCompiler("17", List.of("-g")), Map.of());
        String doc = new String(BuildInfoCodec.write(info), StandardCharsets.UTF_8);
        Path hostInfo = java.nio.file.Files.writeString(dir.resolve("info.json"),
                "{\"version\":\"0.1.0\",\"buildId\":\"" + info.buildId().hex() + "\",\"buildInfo\":" + doc + "}");
        assertEquals(info, BuildInfoCodec.read(hostInfo));
        Path without = java.nio.file.Files.writeString(dir.resolve("bare.json"), "{\"version\":\"0.1.0\",\"buildInfo\":null}");
        BuildInfoException e = org.junit.jupiter.api.Assertions.assertThrows(BuildInfoException.class, () -> BuildInfoCodec.read(without));
        assertTrue(e.getMessage().contains("has no build-info"));
    }

    @Test
    void readerIsStrict() throws Exception {
        Path plain = jar("runtime.jar", Map.of(), "a/B");
        String good = new String(BuildInfoCodec.write(BuildInfoGenerator.generate(
                List.of(new BuildInfoGenerator.BundleJar(plain, "m", "a", "1.0")),
                BuildInfoGenerator.runningCompiler("17", List.of()), Map.of())), StandardCharsets.UTF_8);
        for (String bad : List.of(
                good.replace("\"format-version\" : \"1.0\"", "\"format-version\" : \"2.0\""),
                good.replace("\"release\" : \"17\"", "\"release\" : 17"),
                good.replace("\"release\" : \"17\"", "\"release\" : \"17\", \"extra\" : 1"),
                good.replace("\"vendor\" : ", "\"vendor\" : \"x\", \"vendor\" : "),
                good.replace("\"module\" : \"m\"", "\"module\" : \"other\""),
                good + "{}")) {
            BuildInfoException e = assertThrows(BuildInfoException.class, () -> BuildInfoCodec.read(bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertTrue(!e.getMessage().isBlank());
        }
    }

    @Test
    void toolWritesTheFileFromAClasspathFile() throws Exception {
        Path plain = jar("hv-runtime.jar", Map.of(), "a/B");
        Path dep = Files.write(dir.resolve("dep-1.0.jar"), new byte[] {9});
        Path cp = Files.writeString(dir.resolve("cp.txt"), dep.toString());
        Path out = dir.resolve("dist/build-info.json");
        assertEquals(0, BuildInfoTool.run("--bundle", "hv-runtime:" + plain + ":io.hotvisor.runtime:0.1.0",
                "--classpath", "hv-runtime:@" + cp, "-o", out.toString()));
        BuildInfo info = BuildInfoCodec.read(out);
        assertEquals("io.hotvisor.runtime", info.bundles().get(0).symbolicName());
        assertEquals(List.of("-g", "-encoding", "UTF-8", "-Xlint:all,-processing,-serial", "-XDuseUnsharedTable=true"), info.compiler().flags());
        assertEquals("dep-1.0.jar", info.module("hv-runtime").orElseThrow().classpath().get(0).file());
        assertEquals(2, BuildInfoTool.run("--bundle", "hv-runtime:" + dir.resolve("missing.jar"), "-o", out.toString()));
    }
}
