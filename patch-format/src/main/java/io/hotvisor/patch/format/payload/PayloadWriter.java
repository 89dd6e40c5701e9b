package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.AtomicFiles;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.FormatVersion;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.ManifestCodec;
import io.hotvisor.patch.format.manifest.PayloadKind;
import io.hotvisor.patch.format.manifest.Requirement;
import io.hotvisor.patch.format.sign.SigningKey;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes signed payloads. Deterministic: the same draft and key always give the same bytes
 * (canonical manifest, entries sorted by name, stored, fixed timestamps, no extra fields; Ed25519
 * signatures are deterministic too), so payloads are reproducible and diffable. Stateless and
 * thread-safe.
 *
 * <p>The writer checks everything the reader will: a draft the reader would refuse is refused here
 * with the same error code, so a builder never produces an unloadable payload.
 */
public final class PayloadWriter {

    private PayloadWriter() {
    }

    /**
     * The payload bytes for {@code draft}, signed with {@code key}: a livepatch declaring format 1.0,
     * or, when the draft has bundles, a bundle-update declaring format 1.1
     * ({@link PayloadKind#formatVersion()}); a draft with requirements declares the newest of those
     * and their versions ({@link Requirement#formatVersion()}: 1.2 for a trampoline) and lists them in
     * {@code requires}, in declaration order.
     *
     * @throws PayloadException {@code BAD_MANIFEST} (an invalid name, duplicate class or bundle, a
     *                          redefine without expected hash, a to-version not above its from-version,
     *                          nothing to patch, ...), {@code BAD_CLASS_FILE}, {@code CLASS_NAME_MISMATCH},
     *                          {@code BAD_BUNDLE}, {@code ENTRY_TOO_LARGE} or {@code PAYLOAD_TOO_LARGE}
     */
    public static byte[] write(PayloadDraft draft, SigningKey key) throws PayloadException {
        List<ClassEntry> classes = new ArrayList<>();
        Map<String, byte[]> entries = new HashMap<>();
        for (ClassChange change : draft.classes()) {
            ClassImage image = change.image();
            byte[] bytes = image.bytes();
            ClassEntry entry = new ClassEntry(image.bundle(), image.bundleVersion(), image.className(),
                    change.kind(), change.expectedSha256(), Sha256.of(bytes));
            classes.add(entry);
            entries.put(entry.entryName(), bytes);
        }
        classes.sort(Manifest.CLASS_ORDER);
        List<Hook> hooks = new ArrayList<>(draft.hooks());
        hooks.sort(Manifest.HOOK_ORDER);
        List<BundleEntry> bundles = new ArrayList<>();
        for (BundleChange change : draft.bundles()) {
            byte[] jar = change.jar();
            BundleEntry entry = new BundleEntry(change.bundle(), change.fromVersion(), change.toVersion(), Sha256.of(jar));
            bundles.add(entry);
            entries.put(entry.entryName(), jar);
        }
        bundles.sort(Manifest.BUNDLE_ORDER);
        PayloadKind kind = draft.kind();
        BuildId payloadBuildId = computeBuildId(draft, classes, hooks, bundles);
        FormatVersion version = kind.formatVersion();
        for (Requirement r : draft.requires()) {
            version = r.formatVersion().compareTo(version) > 0 ? r.formatVersion() : version;
        }
        Manifest manifest = new Manifest(version, kind, draft.name(), payloadBuildId, draft.targetBuildId(),
                draft.dependsOn(), key.keyId(), classes, hooks, bundles, draft.metadata(), List.copyOf(draft.requires()));
        ManifestCodec.validate(manifest);
        for (ClassEntry entry : classes) {
            ClassFileCheck.check(entry, entries.get(entry.entryName()));
        }
        entries.put(PayloadLayout.MANIFEST, ManifestCodec.write(manifest));
        byte[] signature = key.sign(PayloadDigest.compute(entries).bytes());
        entries.put(PayloadLayout.SIGNATURE, signature);
        checkLimits(entries);
        // After the limits, with every entry present: the jars share the total cap as the reader counts it.
        BundleJarCheck.checkAll(manifest, entries, PayloadLimits.DEFAULT);

        List<String> names = new ArrayList<>(entries.keySet());
        names.sort(PayloadLayout.NAME_ORDER);
        List<ZipItem> items = new ArrayList<>(names.size());
        for (String name : names) {
            items.add(new ZipItem(name, entries.get(name)));
        }
        byte[] zip = ZipWriter.write(items);
        if (zip.length > PayloadLimits.DEFAULT.maxPayloadBytes()) {
            throw new PayloadException(PayloadError.PAYLOAD_TOO_LARGE, "payload " + draft.name() + " would be "
                    + zip.length + " bytes, over the cap of " + PayloadLimits.DEFAULT.maxPayloadBytes()
                    + "; split the fix into stacked payloads");
        }
        return zip;
    }

    /**
     * Writes the payload to {@code file} durably and atomically ({@link AtomicFiles}), so a reader
     * never sees half a payload.
     *
     * @throws PayloadException as {@link #write(PayloadDraft, SigningKey)}, or {@code IO_ERROR}
     */
    public static void write(PayloadDraft draft, SigningKey key, Path file) throws PayloadException {
        byte[] bytes = write(draft, key);
        try {
            AtomicFiles.write(file, bytes);
        } catch (IOException e) {
            throw new PayloadException(PayloadError.IO_ERROR, "cannot write payload " + file + ": " + e.getMessage(), e);
        }
    }

    private static BuildId computeBuildId(PayloadDraft draft, List<ClassEntry> classes, List<Hook> hooks,
                                          List<BundleEntry> bundles) throws PayloadException {
        for (int i = 0; i < hooks.size(); i++) {
            Hook h = hooks.get(i);
            if (h.phase() == null || h.bundle() == null || h.className() == null || h.method() == null) {
                throw new PayloadException(PayloadError.BAD_MANIFEST, "patch.json: hooks[" + i
                        + "]: phase, bundle, class and method are all required");
            }
        }
        return Manifest.computePayloadBuildId(draft.kind(), draft.targetBuildId(), draft.dependsOn(),
                classes, hooks, bundles);
    }

    private static void checkLimits(Map<String, byte[]> entries) throws PayloadException {
        PayloadLimits limits = PayloadLimits.DEFAULT;
        if (entries.size() > limits.maxEntries()) {
            throw new PayloadException(PayloadError.PAYLOAD_TOO_LARGE, "the payload would have " + entries.size()
                    + " entries, more than the cap of " + limits.maxEntries() + "; split the fix into stacked payloads");
        }
        long total = 0;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            long cap = e.getKey().equals(PayloadLayout.MANIFEST) ? limits.maxManifestBytes() : limits.maxEntryBytes();
            if (e.getValue().length > cap) {
                throw new PayloadException(PayloadError.ENTRY_TOO_LARGE, "entry '" + e.getKey() + "' would be "
                        + e.getValue().length + " bytes, over the cap of " + cap);
            }
            total += e.getValue().length;
        }
        if (total > limits.maxTotalBytes()) {
            throw new PayloadException(PayloadError.PAYLOAD_TOO_LARGE, "the entries would total " + total
                    + " bytes, over the cap of " + limits.maxTotalBytes() + "; split the fix into stacked payloads");
        }
    }
}
