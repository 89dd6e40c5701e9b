package io.hotvisor.tests;

import io.hotvisor.patch.builder.diff.HookScanner;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import io.hotvisor.patch.format.buildinfo.BuildInfoCodec;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.ClassKind;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.payload.ClassChange;
import io.hotvisor.patch.format.payload.Payload;
import io.hotvisor.patch.format.payload.PayloadDraft;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.payload.PayloadWriter;
import io.hotvisor.patch.format.sign.KeyFiles;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Payloads the tests write themselves with patch-format's {@link PayloadWriter}, for what
 * {@code hvpatch build} cannot produce: classes that are meant to fail verification, and hooks
 * that misbehave on purpose (a pre-apply hook that sleeps). Signed with the test's own key like
 * any payload.
 */
final class CraftedPayloads {
    private CraftedPayloads() {
    }

    /** The host build the distribution describes. */
    static BuildInfo target() throws Exception {
        return BuildInfoCodec.read(HostProcess.DIST.resolve("build-info.json"));
    }

    /** The bundle of the target that holds classes of {@code packageName}. */
    static BuildInfo.Bundle bundleOfPackage(BuildInfo target, String packageName) {
        for (BuildInfo.Bundle b : target.bundles()) {
            for (BuildInfo.ClassHash c : b.classes()) {
                if (c.name().startsWith(packageName + ".") && c.name().lastIndexOf('.') == packageName.length()) return b;
            }
        }
        throw new AssertionError("no bundle of the target holds package " + packageName);
    }

    /** A class file as the distribution ships it, from the bundle jar whose name starts with {@code jarPrefix}. */
    static byte[] classFile(String jarPrefix, String className) throws Exception {
        try (Stream<Path> jars = Files.list(HostProcess.DIST.resolve("bundles"))) {
            for (Path jar : jars.filter(j -> j.getFileName().toString().startsWith(jarPrefix + "-")).toList()) {
                try (ZipFile z = new ZipFile(jar.toFile())) {
                    ZipEntry entry = z.getEntry(className.replace('.', '/') + ".class");
                    if (entry != null) return z.getInputStream(entry).readAllBytes();
                }
            }
        }
        throw new AssertionError("no " + className + " in the distribution's " + jarPrefix + " bundle");
    }

    /** Compiles Java sources (path to text) with this JVM's javac and the test classpath; binary name to bytes. */
    static Map<String, byte[]> compile(Map<String, String> sources, Path work) throws Exception {
        Path src = Files.createDirectories(work.resolve("src")), out = Files.createDirectories(work.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("--release", "17", "-g", "-d", out.toString(), "-cp", System.getProperty("java.class.path")));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(Path.of(e.getKey()).getFileName().toString());
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = javac.run(null, null, err, args.toArray(String[]::new));
        if (status != 0) throw new AssertionError("javac failed: " + err);
        Map<String, byte[]> classes = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String name = out.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                classes.put(name, Files.readAllBytes(f));
            }
        }
        return classes;
    }

    /**
     * A copy of a built payload in which {@code method} of {@code className} returns the int 0
     * where its descriptor declares a reference: the class file parses, the verifier refuses it.
     */
    static Path unverifiable(Path payloadFile, String className, String method, Path key, Path out) throws Exception {
        Payload p = new PayloadReader().inspect(Files.readAllBytes(payloadFile));
        List<ClassChange> changes = new ArrayList<>();
        boolean broken = false;
        for (ClassEntry c : p.manifest().classes()) {
            byte[] bytes = p.classBytes(c);
            if (c.className().equals(className)) {
                bytes = returningIntFrom(bytes, method);
                broken = true;
            }
            ClassImage image = new ClassImage(c.bundle(), c.bundleVersion(), c.className(), bytes);
            changes.add(c.kind() == ClassKind.REDEFINE ? ClassChange.redefine(image, c.expectedSha256()) : ClassChange.define(image));
        }
        if (!broken) throw new AssertionError(payloadFile + " carries no class " + className);
        PayloadDraft draft = new PayloadDraft(p.manifest().name(), p.manifest().targetBuildId(), p.manifest().dependsOn(),
                changes, p.manifest().hooks(), p.manifest().metadata());
        Files.write(out, PayloadWriter.write(draft, KeyFiles.readSigningKey(key)));
        return out;
    }

    private static byte[] returningIntFrom(byte[] classBytes, String method) {
        ClassWriter writer = new ClassWriter(0);
        boolean[] found = {false};
        new ClassReader(classBytes).accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                MethodVisitor mv = super.visitMethod(access, name, desc, sig, ex);
                if (!name.equals(method)) return mv;
                found[0] = true;
                mv.visitCode();
                mv.visitInsn(Opcodes.ICONST_0);
                mv.visitInsn(Opcodes.ARETURN);
                mv.visitMaxs(1, Type.getArgumentsAndReturnSizes(desc) >> 2); // arguments, plus one for this
                mv.visitEnd();
                return null; // the original body is dropped
            }
        }, 0);
        if (!found[0]) throw new AssertionError("no method " + method);
        return writer.toByteArray();
    }

    /**
     * Writes a payload: {@code classes} as they are, plus {@code newClasses} defined into the bundle
     * of their package, with the hooks {@link HookScanner} finds in them (as {@code hvpatch build} would).
     */
    static Path write(String name, List<ClassChange> classes, Map<String, byte[]> newClasses, Path key, Path out) throws Exception {
        return write(name, null, classes, newClasses, key, out);
    }

    /** {@link #write(String, List, Map, Path, Path)} stacked on the payload with build-id {@code dependsOn} (hex; null for none). */
    static Path write(String name, String dependsOn, List<ClassChange> classes, Map<String, byte[]> newClasses, Path key, Path out)
            throws Exception {
        BuildInfo target = target();
        List<ClassChange> changes = new ArrayList<>(classes);
        List<Hook> hooks = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : newClasses.entrySet()) {
            String pkg = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            BuildInfo.Bundle b = bundleOfPackage(target, pkg);
            changes.add(ClassChange.define(new ClassImage(b.symbolicName(), b.version(), e.getKey(), e.getValue())));
            if (HookScanner.isHooksClass(e.getValue())) {
                List<String> refusals = new ArrayList<>();
                for (HookScanner.Found f : HookScanner.scan(e.getKey(), e.getValue(), refusals)) {
                    hooks.add(new Hook(f.phase(), b.symbolicName(), f.className(), f.method()));
                }
                if (!refusals.isEmpty()) throw new AssertionError(refusals.toString());
            }
        }
        PayloadDraft draft = new PayloadDraft(name, target.buildId(),
                dependsOn == null ? null : io.hotvisor.patch.format.BuildId.parse(dependsOn), changes, hooks, Metadata.EMPTY);
        Files.write(out, PayloadWriter.write(draft, KeyFiles.readSigningKey(key)));
        return out;
    }
}
