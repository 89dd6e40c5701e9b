import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;

/**
 * Rewrites the class files of a jar that are older than Java 6 (major version below 50) as Java 8
 * class files with stack map frames, in place; nothing else in them changes.
 *
 * <p>Why: a class-data sharing archive cannot hold pre-Java 6 classes, and the JVM checks them with
 * the old inference verifier at every start. picocli ships as Java 5 class files, so without this
 * its 170-odd classes are read from the jar and verified on every {@code hv run} and {@code hvctl}.
 * With frames computed once here, the distribution's archive ({@code cds-archive.sh}) takes them.
 *
 * <p>Run by {@code cds-archive.sh} at package time, as a source-file program with ASM on the class
 * path: {@code java -cp asm.jar RetargetClasses.java JAR}. Exit status 0 when the jar was rewritten
 * or needed nothing, 1 (the jar left as it was) on any failure.
 */
public final class RetargetClasses {
    private RetargetClasses() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: RetargetClasses JAR");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path out = jar.resolveSibling(jar.getFileName() + ".retarget");
        int rewritten;
        try (URLClassLoader own = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            rewritten = rewrite(jar, out, own);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            System.err.println("retarget: " + jar.getFileName() + " left as it was: " + e);
            System.exit(1);
            return;
        }
        if (rewritten == 0) {
            Files.delete(out);
            return;
        }
        Files.move(out, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("retarget: " + jar.getFileName() + ": " + rewritten + " pre-Java 6 class files now Java 8 with frames");
    }

    /** Copies {@code in} to {@code out}, entries in order with their times; returns how many classes it rewrote. */
    private static int rewrite(Path in, Path out, ClassLoader own) throws IOException {
        int n = 0;
        try (JarInputStream source = new JarInputStream(Files.newInputStream(in));
             OutputStream file = Files.newOutputStream(out);
             JarOutputStream target = source.getManifest() == null ? new JarOutputStream(file)
                     : new JarOutputStream(file, source.getManifest())) {
            for (JarEntry e; (e = source.getNextJarEntry()) != null; ) {
                byte[] bytes = source.readAllBytes();
                if (e.getName().endsWith(".class") && major(bytes) < Opcodes.V1_6) {
                    bytes = withFrames(bytes, own);
                    n++;
                }
                JarEntry copy = new JarEntry(e.getName());
                copy.setTime(e.getTime());
                target.putNextEntry(copy);
                target.write(bytes);
                target.closeEntry();
            }
        }
        return n;
    }

    private static int major(byte[] classFile) {
        return ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
    }

    /** The class as a Java 8 class file; frames computed with the jar's own classes to resolve common supertypes. */
    private static byte[] withFrames(byte[] classFile, ClassLoader own) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected ClassLoader getClassLoader() {
                return own;
            }
        };
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
            }
        }, ClassReader.SKIP_FRAMES);
        return writer.toByteArray();
    }
}
