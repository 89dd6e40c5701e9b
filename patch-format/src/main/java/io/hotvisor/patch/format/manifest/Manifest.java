package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.CanonicalHash;
import io.hotvisor.patch.format.sign.KeyId;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The manifest of a payload, the {@code patch.json} entry (README, "Manifest"). Immutable; lists
 * are copied. A manifest obtained from {@link ManifestCodec#read} or from the payload writer has
 * been validated against every rule of the README; one built by hand has not until it is written.
 *
 * @param formatVersion  JSON {@code format-version}
 * @param kind           JSON {@code kind}
 * @param name           JSON {@code name}: 1-64 characters of {@code [A-Za-z0-9._-]}
 * @param payloadBuildId JSON {@code payload-build-id}: see {@link #computePayloadBuildId}
 * @param targetBuildId  JSON {@code target-build-id}: build-id of the host build this applies to
 * @param dependsOn      JSON {@code depends-on}: payload build-id this stacks on; {@code null}
 *                       (absent) when it applies directly on the host build
 * @param signingKey     JSON {@code signing-key}: id of the key that signed {@code patch.sig}
 * @param classes        JSON {@code classes}: the classes carried, possibly none (always none for a
 *                       bundle-update)
 * @param hooks          JSON {@code hooks}: the action hooks, possibly none (always none for a
 *                       bundle-update)
 * @param bundles        JSON {@code bundles}: the bundles a bundle-update replaces; never {@code null}:
 *                       empty for a livepatch, whose JSON has no {@code bundles} field
 * @param metadata       JSON {@code metadata}
 * @param requires       JSON {@code requires}: what a host must have, beyond reading the format, to
 *                       apply the payload ({@link Requirement}); never {@code null}: empty when the
 *                       JSON has no {@code requires} field, which is every payload that needs nothing
 *                       more (format 1.2)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format-version", "kind", "requires", "name", "payload-build-id", "target-build-id", "depends-on",
        "signing-key", "classes", "hooks", "bundles", "metadata"})
public record Manifest(
        @JsonProperty("format-version") FormatVersion formatVersion,
        @JsonProperty("kind") PayloadKind kind,
        @JsonProperty("name") String name,
        @JsonProperty("payload-build-id") BuildId payloadBuildId,
        @JsonProperty("target-build-id") BuildId targetBuildId,
        @JsonProperty("depends-on") BuildId dependsOn,
        @JsonProperty("signing-key") KeyId signingKey,
        @JsonProperty("classes") List<ClassEntry> classes,
        @JsonProperty("hooks") List<Hook> hooks,
        // NON_EMPTY: a livepatch manifest has no bundles field, so it stays byte-identical to format 1.0.
        @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("bundles") List<BundleEntry> bundles,
        @JsonProperty("metadata") Metadata metadata,
        // NON_EMPTY: a payload that needs nothing more has no requires field, so it stays byte-identical to format 1.0/1.1.
        @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("requires") List<Requirement> requires) {

    static final String PAYLOAD_BUILD_ID_TAG = "hotvisor-payload-build-id-v1";

    private static final Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    /** The canonical order of class entries: bundle, bundle version, class name (as UTF-8 bytes). */
    public static final Comparator<ClassEntry> CLASS_ORDER = Comparator
            .comparing(ClassEntry::bundle, UTF8_ORDER)
            .thenComparing(ClassEntry::bundleVersion, UTF8_ORDER)
            .thenComparing(ClassEntry::className, UTF8_ORDER);

    /** The canonical order of hooks: by phase, in lifecycle order. */
    public static final Comparator<Hook> HOOK_ORDER = Comparator.comparing(Hook::phase);

    /** The canonical order of bundle entries: by bundle symbolic name (as UTF-8 bytes). */
    public static final Comparator<BundleEntry> BUNDLE_ORDER = Comparator.comparing(BundleEntry::bundle, UTF8_ORDER);

    /**
     * Copies the lists and makes a missing {@code bundles} or {@code requires} empty; keeps other
     * {@code null}s, which validation reports with their field names.
     */
    public Manifest {
        classes = classes == null ? null : immutableCopy(classes);
        hooks = hooks == null ? null : immutableCopy(hooks);
        bundles = bundles == null ? List.of() : immutableCopy(bundles);
        requires = requires == null ? List.of() : immutableCopy(requires);
    }

    /** A manifest that requires nothing beyond the format (every payload of formats 1.0 and 1.1). */
    public Manifest(FormatVersion formatVersion, PayloadKind kind, String name, BuildId payloadBuildId,
                    BuildId targetBuildId, BuildId dependsOn, KeyId signingKey, List<ClassEntry> classes,
                    List<Hook> hooks, List<BundleEntry> bundles, Metadata metadata) {
        this(formatVersion, kind, name, payloadBuildId, targetBuildId, dependsOn, signingKey, classes, hooks, bundles,
                metadata, List.of());
    }

    /** Whether the payload lists {@code requirement} in {@code requires}. */
    public boolean requires(Requirement requirement) {
        return requires.contains(requirement);
    }

    /**
     * The payload build-id of a payload without bundles; see
     * {@link #computePayloadBuildId(PayloadKind, BuildId, BuildId, List, List, List)}.
     */
    public static BuildId computePayloadBuildId(PayloadKind kind, BuildId targetBuildId, BuildId dependsOn,
                                                List<ClassEntry> classes, List<Hook> hooks) {
        return computePayloadBuildId(kind, targetBuildId, dependsOn, classes, hooks, List.of());
    }

    /**
     * The payload build-id of a payload with this content (README, "Payload build-id"): what the
     * payload does, not what it is called, so the name and metadata are not part of it, and neither
     * is {@code requires}: it says what a host needs to apply the classes, which the classes' hashes
     * already determine, so the same change built with or without it is the same payload.
     * <pre>
     * SHA-256( tag "hotvisor-payload-build-id-v1", str kind, str target-build-id,
     *          str depends-on (empty if absent),
     *          u32 class count, per class in CLASS_ORDER: str bundle, str bundle-version, str class,
     *              str kind, str expected-sha256 (empty if absent), str new-sha256,
     *          u32 hook count, per hook in HOOK_ORDER: str phase, str bundle, str class, str method,
     *          bundle-update only: u32 bundle count, per bundle in BUNDLE_ORDER:
     *              str bundle, str from-version, str to-version, str new-sha256 )
     * </pre>
     * The bundle part is appended for a bundle-update only, so a livepatch's payload build-id is
     * the one format 1.0 defined; the kind, hashed first, keeps the two forms apart.
     */
    public static BuildId computePayloadBuildId(PayloadKind kind, BuildId targetBuildId, BuildId dependsOn,
                                                List<ClassEntry> classes, List<Hook> hooks,
                                                List<BundleEntry> bundles) {
        CanonicalHash hash = new CanonicalHash(PAYLOAD_BUILD_ID_TAG)
                .str(kind.jsonName())
                .str(targetBuildId.hex())
                .str(dependsOn == null ? "" : dependsOn.hex());
        List<ClassEntry> sortedClasses = new ArrayList<>(classes);
        sortedClasses.sort(CLASS_ORDER);
        hash.u32(sortedClasses.size());
        for (ClassEntry c : sortedClasses) {
            hash.str(c.bundle()).str(c.bundleVersion()).str(c.className()).str(c.kind().jsonName())
                    .str(c.expectedSha256() == null ? "" : c.expectedSha256().hex())
                    .str(c.newSha256().hex());
        }
        List<Hook> sortedHooks = new ArrayList<>(hooks);
        sortedHooks.sort(HOOK_ORDER);
        hash.u32(sortedHooks.size());
        for (Hook h : sortedHooks) {
            hash.str(h.phase().jsonName()).str(h.bundle()).str(h.className()).str(h.method());
        }
        if (kind == PayloadKind.BUNDLE_UPDATE) {
            List<BundleEntry> sortedBundles = new ArrayList<>(bundles);
            sortedBundles.sort(BUNDLE_ORDER);
            hash.u32(sortedBundles.size());
            for (BundleEntry b : sortedBundles) {
                hash.str(b.bundle()).str(b.fromVersion()).str(b.toVersion()).str(b.newSha256().hex());
            }
        }
        return new BuildId(hash.finish());
    }

    /** The payload build-id this manifest's content implies; equal to {@link #payloadBuildId()} when valid. */
    public BuildId computePayloadBuildId() {
        return computePayloadBuildId(kind, targetBuildId, dependsOn, classes, hooks, bundles);
    }

    private static <T> List<T> immutableCopy(List<T> list) {
        // List.copyOf refuses null elements; validation must be able to name them instead.
        return java.util.Collections.unmodifiableList(new ArrayList<>(list));
    }
}
