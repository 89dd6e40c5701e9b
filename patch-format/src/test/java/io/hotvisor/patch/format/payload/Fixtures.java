package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.HookPhase;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.sign.SigningKey;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test data built in code: real class files (generated with ASM), bundle jars (written with
 * {@code java.util.zip} as a jar tool would), drafts, deterministic keys, and hand-made payloads for
 * the cases the writer refuses to produce.
 */
public final class Fixtures {
    public static final String BUNDLE = "io.hotvisor.runtime";
    public static final String VERSION = "0.1.0";
    public static final BuildId TARGET = BuildId.parse("ab".repeat(32));
    public static final Metadata METADATA = new Metadata("Fix the credit2 slice accounting.\nSee XSA-1.",
            "Ada <ada@example.org>", "https://example.org/hotvisor.git", "v1.0", "fix-xsa-1", "hvpatch 0.1.0",
            "javac 17.0.15", List.of("-g", "--release", "17"), "2026-01-01T00:00:00Z");

    /** The bundle the bundle-update fixtures replace, and its versions before and after. */
    public static final String SCHED_BUNDLE = "io.hotvisor.sched";
    public static final String SCHED_FROM = "0.1.0";
    public static final String SCHED_TO = "0.1.0.u1";
    public static final String SCHED_CLASS = "io.hotvisor.sched.Credit2";

    /** Jar entry times: fixed, so the same jar is built byte for byte on every run. */
    private static final LocalDateTime JAR_TIME = LocalDateTime.of(2026, 1, 1, 0, 0);

    private Fixtures() {
    }

    /** The {@code META-INF/MANIFEST.MF} of an OSGi bundle, with a directive after the symbolic name. */
    public static byte[] bundleManifest(String symbolicName, String version) {
        Manifest manifest = new Manifest();
        Attributes headers = manifest.getMainAttributes();
        headers.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.putValue("Bundle-ManifestVersion", "2");
        headers.putValue("Bundle-SymbolicName", symbolicName + ";singleton:=true");
        headers.putValue("Bundle-Version", version);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            manifest.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A jar of {@code entries}, in the given order, deflated as the jar tool does; a name ending in
     * {@code /} is a folder.
     */
    public static byte[] jar(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setTimeLocal(JAR_TIME);
                out.putNextEntry(entry);
                out.write(e.getValue());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The usual entries of a bundle jar: folders, the manifest, and one generated class per name. */
    public static Map<String, byte[]> bundleJarEntries(String symbolicName, String version, String... classNames) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("META-INF/", new byte[0]);
        entries.put("META-INF/MANIFEST.MF", bundleManifest(symbolicName, version));
        for (int i = 0; i < classNames.length; i++) {
            String path = classNames[i].replace('.', '/');
            entries.putIfAbsent(path.substring(0, path.lastIndexOf('/') + 1), new byte[0]);
            entries.put(path + ".class", classBytes(classNames[i], i));
        }
        return entries;
    }

    /** A bundle jar naming {@code symbolicName} at {@code version}, holding the given classes. */
    public static byte[] bundleJar(String symbolicName, String version, String... classNames) {
        return jar(bundleJarEntries(symbolicName, version, classNames));
    }

    /** The scheduler bundle going from {@link #SCHED_FROM} to {@link #SCHED_TO}. */
    public static BundleChange schedChange() {
        return new BundleChange(SCHED_BUNDLE, SCHED_FROM, SCHED_TO,
                bundleJar(SCHED_BUNDLE, SCHED_TO, SCHED_CLASS, SCHED_CLASS + "$RunQueue"));
    }

    /** A bundle-update draft replacing the scheduler bundle and the console bundle. */
    public static PayloadDraft bundleDraft(String name) {
        BundleChange console = new BundleChange("io.hotvisor.console", "1.2", "1.10.0",
                bundleJar("io.hotvisor.console", "1.10.0", "io.hotvisor.console.Console"));
        return PayloadDraft.bundleUpdate(name, TARGET, null, List.of(schedChange(), console), METADATA);
    }

    /** A valid class file declaring {@code binaryName}, whose {@code answer()} returns {@code variant}. */
    public static byte[] classBytes(String binaryName, int variant) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, binaryName.replace('.', '/'), null,
                "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "answer", "()I", null, null);
        mv.visitCode();
        mv.visitLdcInsn(variant);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /**
     * A class file whose {@code this_class} entry names no class (its name index is 0): ASM parses it
     * and reports the class name as {@code null} instead of failing.
     */
    public static byte[] classNamingNoClass() {
        byte[] bytes = classBytes("a.Nameless", 1);
        ClassReader reader = new ClassReader(bytes);
        int nameIndexAt = reader.getItem(reader.readUnsignedShort(reader.header + 2));
        bytes[nameIndexAt] = 0;
        bytes[nameIndexAt + 1] = 0;
        return bytes;
    }

    /** The image of a generated class in the runtime bundle. */
    public static ClassImage image(String binaryName, int variant) {
        return new ClassImage(BUNDLE, VERSION, binaryName, classBytes(binaryName, variant));
    }

    /** A key pair that is the same on every run, so fixed-seed tests see the same bytes. */
    public static SigningKey key(long seed) {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(NamedParameterSpec.ED25519, random);
            var pair = generator.generateKeyPair();
            return new SigningKey(pair.getPrivate(), pair.getPublic());
        } catch (NoSuchAlgorithmException | java.security.InvalidAlgorithmParameterException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A draft with {@code classCount} redefined classes, one defined class and two hooks that live
     * in the defined class.
     */
    public static PayloadDraft draft(String name, int classCount) {
        List<ClassChange> changes = new ArrayList<>();
        for (int i = 0; i < classCount; i++) {
            String className = "io.hotvisor.runtime.sched.Credit2$Part" + i;
            changes.add(ClassChange.redefine(image(className, i + 1000), Sha256.of(classBytes(className, i))));
        }
        changes.add(ClassChange.define(image("io.hotvisor.runtime.sched.Fix1Hooks", 0)));
        List<Hook> hooks = List.of(
                new Hook(HookPhase.POST_APPLY, BUNDLE, "io.hotvisor.runtime.sched.Fix1Hooks", "check"),
                new Hook(HookPhase.PRE_APPLY, BUNDLE, "io.hotvisor.runtime.sched.Fix1Hooks", "prepare"));
        return new PayloadDraft(name, TARGET, null, changes, hooks, METADATA);
    }

    /** The entries of a payload, in file order. */
    public static Map<String, byte[]> entries(byte[] payload) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (ZipItem item : ZipReader.read(payload, PayloadLimits.DEFAULT)) {
            entries.put(item.name(), item.bytes());
        }
        return entries;
    }

    /** A well-formed stored ZIP of {@code entries}, in the given order (duplicates not possible here). */
    public static byte[] zip(Map<String, byte[]> entries) {
        List<ZipItem> items = new ArrayList<>();
        entries.forEach((name, bytes) -> items.add(new ZipItem(name, bytes)));
        return ZipWriter.write(items);
    }

    /** Re-signs {@code entries} (replacing patch.sig) with {@code key}, as a dishonest builder would. */
    public static Map<String, byte[]> resign(Map<String, byte[]> entries, SigningKey key) {
        Map<String, byte[]> out = new LinkedHashMap<>(entries);
        out.remove(PayloadLayout.SIGNATURE);
        out.put(PayloadLayout.SIGNATURE, key.sign(PayloadDigest.compute(out).bytes()));
        return out;
    }

    /** The payload with one byte of its first class changed and the ZIP rebuilt with correct CRCs. */
    public static byte[] tamperFirstClass(byte[] payload) throws Exception {
        Map<String, byte[]> entries = entries(payload);
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            if (e.getKey().startsWith("classes/")) {
                byte[] changed = e.getValue().clone();
                changed[changed.length - 1] ^= 0x01;
                e.setValue(changed);
                break;
            }
        }
        return zip(entries);
    }
}
