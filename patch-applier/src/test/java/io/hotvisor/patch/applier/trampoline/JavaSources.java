package io.hotvisor.patch.applier.trampoline;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Compiles a set of Java sources (binary class name to source) with the JDK's javac; returns every class file, nested ones included. */
final class JavaSources {
    private JavaSources() {
    }

    static Map<String, byte[]> compile(Map<String, String> sources) {
        try {
            Path dir = Files.createTempDirectory("trampoline-src");
            Path out = Files.createDirectories(dir.resolve("classes"));
            List<String> args = new ArrayList<>(List.of("-d", out.toString(), "--release", "17", "-g"));
            for (Map.Entry<String, String> e : sources.entrySet()) {
                Path file = dir.resolve("src").resolve(e.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, e.getValue());
                args.add(file.toString());
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            if (javac.run(null, null, errors, args.toArray(new String[0])) != 0) {
                throw new IllegalArgumentException("fixture does not compile:\n" + errors);
            }
            Map<String, byte[]> classes = new HashMap<>();
            try (Stream<Path> files = Files.walk(out)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = out.relativize(f).toString().replace('/', '.');
                    classes.put(name.substring(0, name.length() - ".class".length()), Files.readAllBytes(f));
                }
            }
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
