package io.hotvisor.patch.format.manifest;

import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The value rules of the README's manifest table, checked after JSON binding so that each failure
 * names its field path ({@code classes[2].bundle-version}).
 */
final class ManifestRules {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** OSGi Core R8 §1.3.2 symbolic-name: token ('.' token)*, token = [A-Za-z0-9_-]+. */
    static final Pattern BUNDLE = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    static final Pattern CREATED = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z");

    static final int MAX_BUNDLE_LENGTH = 255;
    static final int MAX_VERSION_LENGTH = 64;
    static final int MAX_CLASS_NAME_LENGTH = 1024;
    static final int MAX_TEXT_LENGTH = 1024;
    static final int MAX_DESCRIPTION_LENGTH = 16384;
    static final int MAX_COMPILER_FLAGS = 256;

    private ManifestRules() {
    }

    static void validate(Manifest m) throws PayloadException {
        require(m.formatVersion(), "format-version");
        require(m.kind(), "kind");
        checkKindDefined(m.kind(), m.formatVersion());
        require(m.name(), "name");
        if (!NAME.matcher(m.name()).matches()) {
            throw bad("name", "'" + printable(m.name()) + "' must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        require(m.payloadBuildId(), "payload-build-id");
        require(m.targetBuildId(), "target-build-id");
        require(m.signingKey(), "signing-key");
        require(m.classes(), "classes");
        require(m.hooks(), "hooks");
        require(m.metadata(), "metadata");
        validateClasses(m.classes());
        validateHooks(m.hooks());
        validateBundles(m.bundles());
        validateRequires(m);
        validateMetadata(m.metadata());
        if (m.classes().isEmpty() && m.hooks().isEmpty() && m.bundles().isEmpty()) {
            throw bad("classes", "nothing to patch: the payload has no classes, no hooks and no bundles");
        }
        if (m.kind() == PayloadKind.LIVEPATCH && !m.bundles().isEmpty()) {
            throw bundlesOnLivepatch();
        }
        if (m.kind() == PayloadKind.BUNDLE_UPDATE) {
            if (!m.classes().isEmpty()) {
                throw bad("classes", "a bundle-update payload carries no classes (its bundles' jars hold them); "
                        + "make it an empty array, or patch classes with a separate livepatch payload");
            }
            if (!m.hooks().isEmpty()) {
                throw bad("hooks", "a bundle-update payload has no hooks (state crosses through the bundles' own "
                        + "state transfer); make it an empty array");
            }
            if (m.bundles().isEmpty()) {
                throw bad("bundles", "a bundle-update payload names at least one bundle");
            }
        }
    }

    /**
     * A kind is refused under a format version older than the one that defines it, as a reader of
     * that version would refuse it: a 1.0 manifest cannot be a bundle-update.
     */
    private static void checkKindDefined(PayloadKind kind, FormatVersion version) throws PayloadException {
        if (kind.formatVersion().compareTo(version) > 0) {
            String known = Arrays.stream(PayloadKind.values()).filter(k -> k.formatVersion().compareTo(version) <= 0)
                    .map(PayloadKind::jsonName).collect(Collectors.joining(", "));
            throw new PayloadException(PayloadError.UNSUPPORTED_KIND, "patch.json: kind: payload kind '"
                    + kind.jsonName() + "' is defined from format " + kind.formatVersion() + " on, but the manifest "
                    + "declares format " + version + " (which knows " + known + "); rebuild the payload with a "
                    + "hvpatch that writes format " + kind.formatVersion());
        }
    }

    private static void validateClasses(List<ClassEntry> classes) throws PayloadException {
        Set<String> entryNames = new HashSet<>();
        for (int i = 0; i < classes.size(); i++) {
            String at = "classes[" + i + "]";
            ClassEntry c = classes.get(i);
            require(c, at);
            require(c.bundle(), at + ".bundle");
            require(c.bundleVersion(), at + ".bundle-version");
            require(c.className(), at + ".class");
            require(c.kind(), at + ".kind");
            require(c.newSha256(), at + ".new-sha256");
            checkBundle(c.bundle(), at + ".bundle");
            checkVersion(c.bundleVersion(), at + ".bundle-version");
            checkClassName(c.className(), at + ".class");
            if (c.kind() == ClassKind.REDEFINE && c.expectedSha256() == null) {
                throw bad(at + ".expected-sha256", "a redefine of " + c.className()
                        + " must say which running bytes it expects");
            }
            if (c.kind() == ClassKind.DEFINE && c.expectedSha256() != null) {
                throw bad(at + ".expected-sha256", "a define of " + c.className()
                        + " has no running bytes to expect; remove the field");
            }
            if (!entryNames.add(c.entryName())) {
                throw bad(at, "class " + c.className() + " of bundle " + c.bundle() + " is listed twice");
            }
        }
    }

    private static void validateHooks(List<Hook> hooks) throws PayloadException {
        Set<HookPhase> phases = EnumSet.noneOf(HookPhase.class);
        for (int i = 0; i < hooks.size(); i++) {
            String at = "hooks[" + i + "]";
            Hook h = hooks.get(i);
            require(h, at);
            require(h.phase(), at + ".phase");
            require(h.bundle(), at + ".bundle");
            require(h.className(), at + ".class");
            require(h.method(), at + ".method");
            checkBundle(h.bundle(), at + ".bundle");
            checkClassName(h.className(), at + ".class");
            if (!isJavaIdentifier(h.method())) {
                throw bad(at + ".method", "'" + printable(h.method()) + "' is not a Java method name");
            }
            if (!phases.add(h.phase())) {
                throw bad(at + ".phase", "a second " + h.phase().jsonName() + " hook; at most one hook per phase");
            }
        }
    }

    private static void validateBundles(List<BundleEntry> bundles) throws PayloadException {
        Set<String> names = new HashSet<>();
        Map<String, Integer> entryNames = new HashMap<>();
        for (int i = 0; i < bundles.size(); i++) {
            String at = "bundles[" + i + "]";
            BundleEntry b = bundles.get(i);
            require(b, at);
            require(b.bundle(), at + ".bundle");
            require(b.fromVersion(), at + ".from-version");
            require(b.toVersion(), at + ".to-version");
            require(b.newSha256(), at + ".new-sha256");
            checkBundle(b.bundle(), at + ".bundle");
            checkVersion(b.fromVersion(), at + ".from-version");
            checkVersion(b.toVersion(), at + ".to-version");
            if (OsgiVersion.parse(b.toVersion()).compareTo(OsgiVersion.parse(b.fromVersion())) <= 0) {
                throw bad(at + ".to-version", "bundle " + b.bundle() + " would go from " + b.fromVersion() + " to "
                        + b.toVersion() + ", which is not a greater OSGi version; give the new jar a higher "
                        + "Bundle-Version");
            }
            if (!names.add(b.bundle())) {
                throw bad(at, "bundle " + b.bundle() + " is listed twice");
            }
            // Names are unique, but bundle 'a_1.0.0.q' at 2 and bundle 'a' at 1.0.0.q_2 share a jar name.
            Integer other = entryNames.putIfAbsent(b.entryName(), i);
            if (other != null) {
                throw bad(at, "the jar entry name " + b.entryName() + " is also bundles[" + other
                        + "]'s; one of the two bundles needs another name or version");
            }
        }
    }

    /**
     * {@code requires}: no null or repeated requirement, none a bundle-update could need, each under a
     * format version that defines it (as a reader of an older version would refuse the field).
     */
    private static void validateRequires(Manifest m) throws PayloadException {
        Set<Requirement> seen = EnumSet.noneOf(Requirement.class);
        for (int i = 0; i < m.requires().size(); i++) {
            String at = "requires[" + i + "]";
            Requirement r = m.requires().get(i);
            require(r, at);
            if (!seen.add(r)) {
                throw bad(at, "'" + r.jsonName() + "' is listed twice");
            }
            if (r.formatVersion().compareTo(m.formatVersion()) > 0) {
                throw bad(at, "requirement '" + r.jsonName() + "' is defined from format " + r.formatVersion()
                        + " on, but the manifest declares format " + m.formatVersion() + "; rebuild the payload with a "
                        + "hvpatch that writes format " + r.formatVersion());
            }
            if (r == Requirement.TRAMPOLINE && m.kind() != PayloadKind.LIVEPATCH) {
                throw bad(at, "a " + m.kind().jsonName() + " payload replaces whole bundles and needs no trampoline; "
                        + "remove the field");
            }
        }
    }

    private static void validateMetadata(Metadata md) throws PayloadException {
        checkText(md.description(), "metadata.description", MAX_DESCRIPTION_LENGTH, true);
        checkText(md.author(), "metadata.author", MAX_TEXT_LENGTH, false);
        checkText(md.sourceRepository(), "metadata.source-repository", MAX_TEXT_LENGTH, false);
        checkText(md.baseRevision(), "metadata.base-revision", MAX_TEXT_LENGTH, false);
        checkText(md.headRevision(), "metadata.head-revision", MAX_TEXT_LENGTH, false);
        checkText(md.buildTool(), "metadata.build-tool", MAX_TEXT_LENGTH, false);
        checkText(md.compilerVersion(), "metadata.compiler-version", MAX_TEXT_LENGTH, false);
        if (md.compilerFlags().size() > MAX_COMPILER_FLAGS) {
            throw bad("metadata.compiler-flags", "more than " + MAX_COMPILER_FLAGS + " flags");
        }
        for (int i = 0; i < md.compilerFlags().size(); i++) {
            require(md.compilerFlags().get(i), "metadata.compiler-flags[" + i + "]");
            checkText(md.compilerFlags().get(i), "metadata.compiler-flags[" + i + "]", MAX_TEXT_LENGTH, false);
        }
        if (md.created() != null && !isUtcTimestamp(md.created())) {
            throw bad("metadata.created", "'" + printable(md.created())
                    + "' is not a UTC time of the form 2026-01-31T12:00:00Z");
        }
    }

    private static boolean isUtcTimestamp(String text) {
        if (!CREATED.matcher(text).matches()) {
            return false;
        }
        try {
            java.time.Instant.parse(text);
            return true;
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    private static void checkBundle(String bundle, String at) throws PayloadException {
        if (bundle.length() > MAX_BUNDLE_LENGTH || !BUNDLE.matcher(bundle).matches()) {
            throw bad(at, "'" + printable(bundle) + "' is not an OSGi bundle symbolic name");
        }
    }

    private static void checkVersion(String version, String at) throws PayloadException {
        if (version.length() > MAX_VERSION_LENGTH || !OsgiVersion.FORM.matcher(version).matches()) {
            throw bad(at, "'" + printable(version) + "' is not an OSGi version (major[.minor[.micro[.qualifier]]])");
        }
    }

    private static void checkClassName(String name, String at) throws PayloadException {
        if (name.length() > MAX_CLASS_NAME_LENGTH || !isBinaryClassName(name)) {
            throw bad(at, "'" + printable(name) + "' is not a binary class name like a.b.Outer$Inner");
        }
    }

    static boolean isBinaryClassName(String name) {
        for (String segment : name.split("\\.", -1)) {
            if (!isJavaIdentifier(segment)) {
                return false;
            }
        }
        return true;
    }

    static boolean isJavaIdentifier(String s) {
        if (s.isEmpty() || !Character.isJavaIdentifierStart(s.codePointAt(0))) {
            return false;
        }
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            int cp = s.codePointAt(i);
            // Identifier-ignorable characters (e.g. U+0000, format controls) would make two names
            // look alike on an operator's terminal.
            if (!Character.isJavaIdentifierPart(cp) || Character.isIdentifierIgnorable(cp)) {
                return false;
            }
        }
        return true;
    }

    /** Free text may not hold control characters: inspect prints it to a terminal. */
    private static void checkText(String text, String at, int maxLength, boolean multiLine) throws PayloadException {
        if (text == null) {
            return; // metadata fields are optional
        }
        if (text.length() > maxLength) {
            throw bad(at, "longer than " + maxLength + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            boolean allowedBreak = multiLine && ch == '\n';
            if (Character.isISOControl(ch) && !allowedBreak) {
                throw bad(at, "contains control character U+" + String.format("%04X", (int) ch));
            }
        }
    }

    private static void require(Object value, String at) throws PayloadException {
        if (value == null) {
            throw bad(at, "is required");
        }
    }

    static PayloadException bundlesOnLivepatch() {
        return bad("bundles", "a livepatch payload replaces no bundles; remove the field "
                + "(whole bundles are replaced by a bundle-update payload)");
    }

    static PayloadException bad(String at, String problem) {
        return new PayloadException(PayloadError.BAD_MANIFEST, "patch.json: " + at + ": " + problem);
    }

    /** Escapes control characters so an error message cannot drive the terminal. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        int limit = Math.min(text.length(), 80);
        for (int i = 0; i < limit; i++) {
            char ch = text.charAt(i);
            out.append(Character.isISOControl(ch) ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
        }
        return text.length() > limit ? out + "..." : out.toString();
    }
}
