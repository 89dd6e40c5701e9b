package io.hotvisor.patch.builder.compile;

import io.hotvisor.patch.format.Sha256;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;

/**
 * The hash of what a module offers to the modules compiled against it: every class file with its
 * method code and debug information dropped. javac reads nothing else of a class on its classpath
 * (signatures, fields with their constant values, annotations, inner-class and nest attributes), so
 * two builds of a sibling with the same API hash give a dependent module the same class files.
 * Constant values stay in: a changed {@code static final} constant changes the hash and so
 * recompiles the modules that inline it.
 */
final class ApiHash {
    private ApiHash() {
    }

    /** The hex API hash of a module's classes (binary name to class-file bytes). */
    static String of(Map<String, byte[]> classes) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : new TreeMap<>(classes).entrySet()) {
            ClassWriter writer = new ClassWriter(0);
            new ClassReader(e.getValue()).accept(writer, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG);
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] api = writer.toByteArray();
            all.writeBytes(name);
            all.write(0);
            all.writeBytes(Sha256.of(api).hex().getBytes(StandardCharsets.US_ASCII));
        }
        return Sha256.of(all.toByteArray()).hex();
    }
}
