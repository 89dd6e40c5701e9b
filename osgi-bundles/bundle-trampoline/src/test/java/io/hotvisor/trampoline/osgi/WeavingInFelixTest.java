package io.hotvisor.trampoline.osgi;

import io.hotvisor.patch.applier.trampoline.Prepared;
import io.hotvisor.patch.applier.trampoline.Trampolines;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.wiring.FrameworkWiring;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The weaving hook in a real Felix: a patchable bundle's class is woven as Felix loads it and a
 * trampoline patches it; a bundle without the header is left alone; a bundle update is woven too.
 */
class WeavingInFelixTest {
    private static final String CLASS = "fx.Greeter";

    @TempDir
    Path dir;
    private Framework felix;

    @BeforeEach
    void startFelix() throws Exception {
        felix = new FrameworkFactory().newFramework(Map.of(
                Constants.FRAMEWORK_STORAGE, dir.resolve("cache").toString(),
                // The trampoline runtime comes from the test's class path, as it comes from the
                // io.hotvisor.trampoline bundle on a host: one copy shared by woven code and the test.
                Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "io.hotvisor.patch.applier.trampoline"));
        felix.init();
        felix.getBundleContext().registerService(WeavingHook.class, new PatchableWeavingHook(), null);
        felix.start();
    }

    @AfterEach
    void stopFelix() throws Exception {
        felix.stop();
        felix.waitForStop(10_000);
    }

    @Test
    void patchableBundleIsWovenAndPatchedByATrampoline() throws Exception {
        Bundle bundle = felix.getBundleContext().installBundle("fx", bundleJar(true, "1.0.0", "v1"));
        Class<?> greeter = bundle.loadClass(CLASS);
        Trampolines trampolines = new Trampolines(ByteBuddyAgent.install());
        Prepared fix = trampolines.prepare("fix", Map.of(greeter, greeterClass("fixed")));

        trampolines.push(fix).apply();
        assertThat(greet(greeter)).isEqualTo("fixed");
        trampolines.pop(fix).apply();

        assertThat(Trampolines.isWoven(greeter)).isTrue();
        assertThat(fix.refusals()).isEmpty();
        assertThat(greet(greeter)).isEqualTo("v1");
    }

    @Test
    void bundleWithoutTheHeaderIsNotWoven() throws Exception {
        Bundle bundle = felix.getBundleContext().installBundle("fx", bundleJar(false, "1.0.0", "v1"));

        Class<?> greeter = bundle.loadClass(CLASS);

        assertThat(Trampolines.isWoven(greeter)).isFalse();
        assertThat(greet(greeter)).isEqualTo("v1");
    }

    @Test
    void updatedBundleIsWovenToo() throws Exception {
        Bundle bundle = felix.getBundleContext().installBundle("fx", bundleJar(true, "1.0.0", "v1"));
        bundle.loadClass(CLASS);

        bundle.update(bundleJar(true, "1.1.0", "v1.1"));
        CompletableFuture<FrameworkEvent> refreshed = new CompletableFuture<>();
        felix.adapt(FrameworkWiring.class).refreshBundles(List.of(bundle), refreshed::complete);
        assertThat(refreshed.get(1, TimeUnit.MINUTES).getType()).isEqualTo(FrameworkEvent.PACKAGES_REFRESHED);
        Class<?> updated = bundle.loadClass(CLASS);

        assertThat(greet(updated)).isEqualTo("v1.1");
        assertThat(Trampolines.isWoven(updated)).isTrue();
    }

    private static String greet(Class<?> greeter) throws ReflectiveOperationException {
        return (String) greeter.getMethod("greet").invoke(null);
    }

    /** A bundle exporting fx with one class, {@code fx.Greeter.greet()} returning {@code greeting}. */
    private static InputStream bundleJar(boolean patchable, String version, String greeting) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        main.putValue(Constants.BUNDLE_SYMBOLICNAME, "fx");
        main.putValue(Constants.BUNDLE_VERSION, version);
        main.putValue(Constants.EXPORT_PACKAGE, "fx");
        if (patchable) {
            main.putValue("Hotvisor-Patchable", "true");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.putNextEntry(new JarEntry(CLASS.replace('.', '/') + ".class"));
            jar.write(greeterClass(greeting));
            jar.closeEntry();
        }
        return new ByteArrayInputStream(out.toByteArray());
    }

    /** {@code public class Greeter { public static String greet() { return greeting; } }}, as javac would emit it. */
    private static byte[] greeterClass(String greeting) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "fx/Greeter", null, "java/lang/Object", null);
        MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        MethodVisitor greet = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "greet", "()Ljava/lang/String;", null, null);
        greet.visitCode();
        greet.visitLdcInsn(greeting);
        greet.visitInsn(Opcodes.ARETURN);
        greet.visitMaxs(0, 0);
        greet.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }
}
