package io.hotvisor.tests;

import io.hotvisor.patch.builder.diff.HookScanner;
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

/**
 * Payloads the tests write themselves with patch-format's {@link PayloadWriter}, for what
 * {@code hvpatch build} cannot produce: hooks classes in hv-runtime (patch-api is not on
 * hv-runtime's compile classpath in the build-info, so the builder cannot compile them) and
 * classes that are meant to fail verification. Signed with the test's own key like any payload.
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

    /** The files a unified diff creates ({@code --- /dev/null}), as path to text. */
    static Map<String, String> newFiles(String diff) {
        Map<String, String> files = new LinkedHashMap<>();
        String[] lines = diff.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].equals("--- /dev/null") || i + 1 >= lines.length || !lines[i + 1].startsWith("+++ b/")) continue;
            String path = lines[i + 1].substring("+++ b/".length()).strip();
            StringBuilder text = new StringBuilder();
            int j = i + 2;
            for (; j < lines.length && !lines[j].startsWith("--- "); j++) {
                if (lines[j].startsWith("+")) text.append(lines[j], 1, lines[j].length()).append('\n');
            }
            files.put(path, text.toString());
            i = j - 1;
        }
        return files;
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

    /** The redefines of a payload file (bytes and expectations as they are), to carry into a crafted one. */
    static List<ClassChange> redefinesOf(Path payloadFile) throws Exception {
        Payload p = new PayloadReader().inspect(Files.readAllBytes(payloadFile));
        List<ClassChange> out = new ArrayList<>();
        for (ClassEntry c : p.manifest().classes()) {
            if (c.kind() != ClassKind.REDEFINE) continue;
            out.add(ClassChange.redefine(new ClassImage(c.bundle(), c.bundleVersion(), c.className(), p.classBytes(c)), c.expectedSha256()));
        }
        return out;
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
