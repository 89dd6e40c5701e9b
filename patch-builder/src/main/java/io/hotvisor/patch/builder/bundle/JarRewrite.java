package io.hotvisor.patch.builder.bundle;

import io.hotvisor.patch.format.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A bundle jar taken apart and put back together with some packages' classes replaced. Stateless.
 *
 * <p>What the new jar keeps: every entry that is not a replaced class, with its bytes, in its
 * place. What it changes: the classes of the replaced packages are the head build's, in the place
 * of the old ones; classes gone at head are dropped and new ones appended in name order. How it is
 * written, so the same entries always give the same bytes: every entry stored (as the payload's own
 * entries are, so the bytes do not depend on a zlib version), all with one fixed time and no extra
 * fields.
 */
final class JarRewrite {
    static final String MANIFEST = "META-INF/MANIFEST.MF";
    /**
     * The time of every entry: the root pom's {@code project.build.outputTimestamp}, which the
     * distribution's own jars carry. Not the DOS epoch 1980-01-01 00:00: {@link ZipEntry#setTimeLocal}
     * would then add an extended-timestamp field holding that time in the local time zone.
     */
    static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2026, 1, 1, 0, 0);
    private static final String CLASS_SUFFIX = ".class";

    private JarRewrite() {
    }

    /**
     * One entry of a jar.
     *
     * @param name  the entry name ({@code a/b/C.class}, {@code META-INF/}, ...)
     * @param bytes its content; not copied, do not modify
     */
    record Entry(String name, byte[] bytes) {
    }

    /**
     * The jar with the classes of {@code packages} replaced.
     *
     * @param entries the new jar's entries, manifest unchanged
     * @param changed classes in both, with other bytes at head
     * @param added   classes only at head
     * @param removed classes only in the old jar
     */
    record Result(List<Entry> entries, List<String> changed, List<String> added, List<String> removed) {
    }

    /** The entries of a jar, folders included, in the order they are stored. */
    static List<Entry> read(byte[] jar) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.add(new Entry(e.getName(), in.readAllBytes()));
            }
        }
        if (out.isEmpty()) {
            throw new IOException("not a jar: it has no entries");
        }
        return out;
    }

    /**
     * The binary name of the class an entry holds, as the build-info counts a bundle's classes
     * (every {@code .class} entry but {@code module-info.class} and those under {@code META-INF/}),
     * or {@code null}.
     */
    static String className(String entryName) {
        if (!entryName.endsWith(CLASS_SUFFIX) || entryName.startsWith("META-INF/") || entryName.endsWith("module-info.class")) {
            return null;
        }
        return entryName.substring(0, entryName.length() - CLASS_SUFFIX.length()).replace('/', '.');
    }

    /** Replaces the classes of {@code packages} with those of {@code head} (binary name to bytes). */
    static Result replaceClasses(List<Entry> jar, Set<String> packages, Map<String, byte[]> head) {
        Map<String, byte[]> fresh = new TreeMap<>();
        head.forEach((name, bytes) -> {
            if (packages.contains(packageOf(name))) {
                fresh.put(name, bytes);
            }
        });
        List<Entry> out = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (Entry e : jar) {
            String name = className(e.name());
            if (name == null || !packages.contains(packageOf(name))) {
                out.add(e);
                continue;
            }
            byte[] now = fresh.remove(name);
            if (now == null) {
                removed.add(name);
            } else {
                out.add(new Entry(e.name(), now));
                if (!Arrays.equals(now, e.bytes())) {
                    changed.add(name);
                }
            }
        }
        List<String> added = new ArrayList<>(fresh.keySet());
        fresh.forEach((name, bytes) -> out.add(new Entry(name.replace('.', '/') + CLASS_SUFFIX, bytes)));
        changed.sort(null);
        removed.sort(null);
        return new Result(out, changed, added, removed);
    }

    /**
     * The SHA-256 of a jar's class contents: over tag {@code hotvisor-bundle-classes-v1} and a 0
     * byte, then for each class entry in name order its name and its bytes, each as a 4-byte
     * big-endian length and the bytes. Other
     * entries, the manifest among them, are left out, so the version it names does not hash itself.
     */
    static Sha256 classDigest(List<Entry> entries) {
        MessageDigest digest = Sha256.newDigest();
        digest.update("hotvisor-bundle-classes-v1\0".getBytes(StandardCharsets.US_ASCII));
        Map<String, byte[]> classes = new TreeMap<>();
        for (Entry e : entries) {
            if (className(e.name()) != null) {
                classes.put(e.name(), e.bytes());
            }
        }
        for (Map.Entry<String, byte[]> c : classes.entrySet()) {
            byte[] name = c.getKey().getBytes(StandardCharsets.UTF_8);
            digest.update(ByteBuffer.allocate(4).putInt(name.length).array());
            digest.update(name);
            digest.update(ByteBuffer.allocate(4).putInt(c.getValue().length).array());
            digest.update(c.getValue());
        }
        return new Sha256(java.util.HexFormat.of().formatHex(digest.digest()));
    }

    /** The jar of these entries, in this order: stored, at {@link #ENTRY_TIME}, no extra fields, no comments. */
    static byte[] write(List<Entry> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Entry e : entries) {
                ZipEntry z = new ZipEntry(e.name());
                CRC32 crc = new CRC32();
                crc.update(e.bytes());
                z.setMethod(ZipEntry.STORED);
                z.setSize(e.bytes().length);
                z.setCompressedSize(e.bytes().length);
                z.setCrc(crc.getValue());
                z.setTimeLocal(ENTRY_TIME);
                out.putNextEntry(z);
                out.write(e.bytes());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }
}
