package io.hotvisor.patch.builder.compile;

import io.hotvisor.patch.builder.BuildError;
import io.hotvisor.patch.builder.BuildException;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Compiles one module's {@code src/main/java} with the running JDK's javac, in process, with the
 * options a build-info records: {@code --release R}, then its flags in order. Sources are given in
 * memory; class files are written to a directory. Thread-safe: each call is its own javac task.
 *
 * <p>After javac, it adds what maven-compiler-plugin 3.x adds ({@code createMissingPackageInfoClass},
 * on by default): a {@code package-info.class} for each {@code package-info.java} that javac compiled
 * to nothing (no package annotations), generated with ASM exactly as the plugin does. With both, the
 * output equals Maven's {@code target/classes} byte for byte ({@code ReproducesMavenBuildTest}).
 */
public final class ModuleCompiler {
    private final JavaCompiler javac;

    /** A compiler over the running JDK's javac. */
    public ModuleCompiler() {
        this.javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("this Java runtime has no javac (run hvpatch with a JDK, not a JRE)");
        }
    }

    /** The version of the javac this compiler runs: the running JDK's {@link Runtime#version()}. */
    public static String javacVersion() {
        return Runtime.version().toString();
    }

    /**
     * Compiles.
     *
     * @param module    module path, for messages
     * @param revision  revision label, for messages
     * @param sources   {@code .java} file contents by repository-relative path
     * @param compiler  release and flags
     * @param classpath jars and class directories
     * @param out       an empty directory for the class files
     * @return class bytes by binary name
     * @throws BuildException {@code COMPILE_FAILED} with javac's error messages (file:line) as details
     */
    public SortedMap<String, byte[]> compile(String module, String revision, Map<String, byte[]> sources,
                                             BuildInfo.Compiler compiler, List<Path> classpath, Path out) throws BuildException {
        List<JavaFileObject> units = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : sources.entrySet()) {
            if (e.getKey().endsWith(".java")) {
                units.add(new MemorySource(e.getKey(), new String(e.getValue(), StandardCharsets.UTF_8)));
            }
        }
        if (units.isEmpty()) {
            return new TreeMap<>();
        }
        List<String> options = new ArrayList<>();
        options.add("--release");
        options.add(compiler.release());
        options.addAll(compiler.flags());
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            files.setLocationFromPaths(StandardLocation.CLASS_OUTPUT, List.of(out));
            files.setLocationFromPaths(StandardLocation.CLASS_PATH, classpath);
            Path generated = Files.createDirectories(out.resolveSibling(out.getFileName() + ".generated"));
            files.setLocationFromPaths(StandardLocation.SOURCE_OUTPUT, List.of(generated));
            Boolean ok = javac.getTask(null, files, diagnostics, options, null, units).call();
            if (!Boolean.TRUE.equals(ok)) {
                List<String> errors = new ArrayList<>();
                for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                    if (d.getKind() == Diagnostic.Kind.ERROR) {
                        String where = d.getSource() == null ? module : d.getSource().getName() + ":" + d.getLineNumber();
                        errors.add(where + ": error: " + d.getMessage(Locale.ROOT));
                    }
                }
                throw new BuildException(BuildError.COMPILE_FAILED, module + " does not compile at " + revision + " ("
                        + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + ", shown above)", errors, null);
            }
        } catch (IOException e) {
            throw new BuildException(BuildError.IO_ERROR, "cannot write class files to " + out + ": " + e.getMessage(), e);
        }
        try {
            addMissingPackageInfo(sources, compiler.release(), out);
            return readClasses(out);
        } catch (IOException e) {
            throw new BuildException(BuildError.IO_ERROR, "cannot read class files from " + out + ": " + e.getMessage(), e);
        }
    }

    /** maven-compiler-plugin's package-info.class for a package-info.java without annotations. */
    private static void addMissingPackageInfo(Map<String, byte[]> sources, String release, Path out) throws IOException {
        for (String path : sources.keySet()) {
            if (!path.endsWith("/package-info.java")) {
                continue;
            }
            String source = new String(sources.get(path), StandardCharsets.UTF_8);
            String pkg = packageOf(source);
            if (pkg == null) {
                continue;
            }
            String internal = (pkg.isEmpty() ? "" : pkg.replace('.', '/') + "/") + "package-info";
            Path file = out.resolve(internal + ".class");
            if (Files.exists(file)) {
                continue;
            }
            ClassWriter cw = new ClassWriter(0);
            cw.visit(44 + Integer.parseInt(release), Opcodes.ACC_SYNTHETIC | Opcodes.ACC_ABSTRACT | Opcodes.ACC_INTERFACE,
                    internal, null, "java/lang/Object", null);
            cw.visitSource("package-info.java", null);
            cw.visitEnd();
            Files.createDirectories(file.getParent());
            Files.write(file, cw.toByteArray());
        }
    }

    private static String packageOf(String source) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;")
                .matcher(source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", ""));
        return m.find() ? m.group(1) : null;
    }

    /** Every class file under {@code dir}, by binary name. */
    public static SortedMap<String, byte[]> readClasses(Path dir) throws IOException {
        SortedMap<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                out.put(rel.substring(0, rel.length() - ".class".length()).replace('/', '.'), Files.readAllBytes(p));
            }
        }
        return out;
    }

    /** A source file held in memory; its name is the repository-relative path, so messages show it. */
    private static final class MemorySource extends SimpleJavaFileObject {
        private final String path;
        private final String content;

        MemorySource(String path, String content) {
            super(URI.create("mem:///" + path.replace(" ", "%20")), Kind.SOURCE);
            this.path = path;
            this.content = content;
        }

        @Override
        public String getName() {
            return path;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return content;
        }
    }
}
