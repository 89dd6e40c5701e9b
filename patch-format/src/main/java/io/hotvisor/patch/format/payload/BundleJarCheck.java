package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.Manifest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the jar of a bundle entry (README, "Bundle entry"): it is read with {@link ZipReader} and the
 * payload's own caps, never with {@code java.util.zip}'s unbounded streams; its
 * {@code META-INF/MANIFEST.MF} names the entry's bundle and new version; and each {@code .class}
 * entry parses and declares the class its path names ({@link ClassFileCheck}). The jars are checked
 * one at a time and their inflated entries dropped afterwards; together with the payload's own
 * entries they stay under the one total cap, so a payload of jar bombs costs at most that cap.
 */
final class BundleJarCheck {
    static final String JAR_MANIFEST = "META-INF/MANIFEST.MF";
    /** A multi-release jar's {@code META-INF/versions/N/a/B.class} holds class {@code a/B} (JAR File Specification). */
    private static final Pattern VERSIONED = Pattern.compile("META-INF/versions/[0-9]+/");
    private static final String CLASS_SUFFIX = ".class";

    private BundleJarCheck() {
    }

    /**
     * Checks every bundle jar the manifest lists.
     *
     * @param entries every entry of the payload, name to inflated content; holds every listed jar
     * @throws PayloadException {@code BAD_BUNDLE}, {@code BAD_CLASS_FILE}, {@code CLASS_NAME_MISMATCH},
     *                          {@code ENTRY_TOO_LARGE} or {@code PAYLOAD_TOO_LARGE}
     */
    static void checkAll(Manifest manifest, Map<String, byte[]> entries, PayloadLimits limits)
            throws PayloadException {
        long inflated = 0;
        for (byte[] content : entries.values()) {
            inflated += content.length;
        }
        for (BundleEntry entry : manifest.bundles()) {
            inflated += check(entry, entries.get(entry.entryName()), limits, limits.maxTotalBytes() - inflated);
        }
    }

    /** Checks one jar whose entries may inflate to {@code budget} bytes; returns what they inflated to. */
    private static long check(BundleEntry entry, byte[] jar, PayloadLimits limits, long budget)
            throws PayloadException {
        String where = "bundle " + entry.bundle() + " (entry '" + entry.entryName() + "')";
        List<ZipItem> items = read(where, jar, limits, budget);
        byte[] jarManifest = null;
        long inflated = 0;
        for (ZipItem item : items) {
            inflated += item.bytes().length;
            if (item.name().equals(JAR_MANIFEST)) {
                jarManifest = item.bytes();
            }
        }
        if (jarManifest == null) {
            throw bad(where + ": the jar has no " + JAR_MANIFEST + ", so it names no bundle; rebuild the bundle jar");
        }
        Attributes headers = headers(where, jarManifest);
        String symbolicName = header(where, headers, "Bundle-SymbolicName");
        int directives = symbolicName.indexOf(';');
        symbolicName = (directives < 0 ? symbolicName : symbolicName.substring(0, directives)).strip();
        if (!symbolicName.equals(entry.bundle())) {
            throw bad(where + ": the jar's Bundle-SymbolicName is " + EntryNames.printable(symbolicName)
                    + ", not " + entry.bundle() + "; the manifest entry and the jar must name the same bundle");
        }
        String version = header(where, headers, "Bundle-Version").strip();
        if (!version.equals(entry.toVersion())) {
            throw bad(where + ": the jar's Bundle-Version is " + EntryNames.printable(version) + ", not the to-version "
                    + entry.toVersion() + "; the manifest entry and the jar must give the same version, written alike");
        }
        for (ZipItem item : items) {
            if (item.name().endsWith(CLASS_SUFFIX)) {
                checkClass(entry, item);
            }
        }
        return inflated;
    }

    private static List<ZipItem> read(String where, byte[] jar, PayloadLimits limits, long budget)
            throws PayloadException {
        if (budget <= 0) {
            throw new PayloadException(PayloadError.PAYLOAD_TOO_LARGE, where + ": no room is left under the cap of "
                    + limits.maxTotalBytes() + " bytes, which the payload's entries and its bundle jars' entries share");
        }
        PayloadLimits jarLimits = new PayloadLimits(limits.maxPayloadBytes(), limits.maxEntries(),
                limits.maxEntryBytes(), limits.maxManifestBytes(), budget);
        try {
            return ZipReader.read(jar, jarLimits);
        } catch (PayloadException e) {
            if (e.error() == PayloadError.ENTRY_TOO_LARGE || e.error() == PayloadError.PAYLOAD_TOO_LARGE) {
                throw new PayloadException(e.error(), where + ": in the jar, " + e.getMessage(), e);
            }
            throw new PayloadException(PayloadError.BAD_BUNDLE, where + ": the jar cannot be read: " + e.getMessage(), e);
        }
    }

    private static Attributes headers(String where, byte[] jarManifest) throws PayloadException {
        try {
            return new java.util.jar.Manifest(new ByteArrayInputStream(jarManifest)).getMainAttributes();
        } catch (IOException | RuntimeException e) {
            // The JDK reports a malformed manifest as IOException, a bad header name as IllegalArgumentException.
            throw new PayloadException(PayloadError.BAD_BUNDLE, where + ": the jar's " + JAR_MANIFEST
                    + " cannot be parsed (" + EntryNames.printable(String.valueOf(e.getMessage()))
                    + "); rebuild the bundle jar", e);
        }
    }

    private static String header(String where, Attributes headers, String name) throws PayloadException {
        String value = headers.getValue(name);
        if (value == null) {
            throw bad(where + ": the jar's " + JAR_MANIFEST + " has no " + name + " header; it is not an OSGi bundle");
        }
        return value;
    }

    private static void checkClass(BundleEntry entry, ZipItem item) throws PayloadException {
        String path = item.name();
        String where = "bundle " + entry.bundle() + ": jar entry '" + EntryNames.printable(path) + "' (in '"
                + entry.entryName() + "')";
        Matcher versioned = VERSIONED.matcher(path);
        String unversioned = versioned.lookingAt() ? path.substring(versioned.end()) : path;
        String expected = unversioned.substring(0, unversioned.length() - CLASS_SUFFIX.length());
        String declared = ClassFileCheck.declaredClass(where, item.bytes());
        if (!declared.equals(expected)) {
            throw new PayloadException(PayloadError.CLASS_NAME_MISMATCH, where + " declares class "
                    + EntryNames.printable(declared) + " but its path names " + EntryNames.printable(expected)
                    + "; a class loader would never find it there, rebuild the bundle jar");
        }
    }

    private static PayloadException bad(String message) {
        return new PayloadException(PayloadError.BAD_BUNDLE, message);
    }
}
