package io.hotvisor.patch.format.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads and writes {@code patch.json}. Thread-safe and stateless.
 *
 * <p>Reading is strict (README, "Manifest"): the bytes must be one UTF-8 JSON object with no
 * duplicate keys and nothing after it; every field must have its documented JSON type (no
 * coercion of numbers to strings or of numbers to enum values); unknown fields are refused unless
 * the manifest declares a newer minor version of the format this reader knows (README,
 * "Version policy"); then every value rule is checked. Failures are {@link PayloadException}s with
 * {@code BAD_MANIFEST}, {@code UNSUPPORTED_VERSION} or {@code UNSUPPORTED_KIND}, whose message names
 * the field path.
 *
 * <p>Writing produces the canonical form: fields in the documented order, two-space indentation,
 * {@code \n} line ends, absent optional fields omitted, one final {@code \n}. The same manifest
 * always gives the same bytes.
 */
public final class ManifestCodec {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, cfg -> cfg
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfigDefaults(cfg -> cfg
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .build();

    private static final ObjectReader STRICT = MAPPER.readerFor(Manifest.class);
    private static final ObjectReader IGNORING_NEWER_FIELDS =
            STRICT.without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectWriter CANONICAL = MAPPER.writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private ManifestCodec() {
    }

    /**
     * Reads and validates a manifest.
     *
     * @throws PayloadException {@code BAD_MANIFEST}, {@code UNSUPPORTED_VERSION} or {@code UNSUPPORTED_KIND}
     */
    public static Manifest read(byte[] json) throws PayloadException {
        JsonNode tree;
        try {
            // Parsed from the strictly decoded text, never from bytes: Jackson would detect and
            // accept UTF-16, UTF-32 and a byte order mark on its own.
            tree = MAPPER.readTree(strictUtf8(json));
        } catch (IOException e) {
            throw ManifestRules.bad("(document)", "not valid JSON: " + firstLine(e));
        }
        if (tree == null || !tree.isObject()) {
            throw ManifestRules.bad("(document)", "must be a JSON object");
        }
        FormatVersion version = readVersion(tree.get("format-version"));
        checkKindSpelling(tree);
        ObjectReader reader = version.minor() > FormatVersion.CURRENT.minor() ? IGNORING_NEWER_FIELDS : STRICT;
        Manifest manifest;
        try {
            manifest = reader.readValue(tree);
        } catch (IOException e) {
            throw translate(e);
        }
        // The record reads an absent and an empty bundles array alike; a livepatch must have neither.
        if (manifest.kind() == PayloadKind.LIVEPATCH && tree.has("bundles")) {
            throw ManifestRules.bundlesOnLivepatch();
        }
        // Likewise requires: absent means "nothing more", and that has one spelling only.
        if (tree.has("requires") && manifest.requires().isEmpty()) {
            throw ManifestRules.bad("requires", "is " + (tree.get("requires").isNull() ? "null" : "empty")
                    + "; leave the field out when the payload requires nothing beyond the format");
        }
        validate(manifest);
        return manifest;
    }

    /**
     * Checks every value rule of the README on a manifest built in code.
     *
     * @throws PayloadException {@code BAD_MANIFEST} naming the first field that breaks a rule,
     *                          {@code UNSUPPORTED_VERSION} for a format version other than this one's major,
     *                          or {@code UNSUPPORTED_KIND} for a kind the declared format version does not define
     */
    public static void validate(Manifest manifest) throws PayloadException {
        if (manifest.formatVersion() != null) {
            checkSupported(manifest.formatVersion());
        }
        ManifestRules.validate(manifest);
    }

    /** The canonical bytes of a manifest (UTF-8, ending with a line feed). */
    public static byte[] write(Manifest manifest) {
        try {
            byte[] body = CANONICAL.writeValueAsBytes(manifest);
            byte[] out = Arrays.copyOf(body, body.length + 1);
            out[body.length] = '\n';
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a manifest record could not be written as JSON", e);
        }
    }

    private static FormatVersion readVersion(JsonNode node) throws PayloadException {
        if (node == null || node.isNull()) {
            throw ManifestRules.bad("format-version", "is required");
        }
        if (!node.isTextual()) {
            throw ManifestRules.bad("format-version", "must be a string like \"1.0\"");
        }
        FormatVersion version;
        try {
            version = FormatVersion.parse(node.textValue());
        } catch (IllegalArgumentException e) {
            throw ManifestRules.bad("format-version", e.getMessage());
        }
        checkSupported(version);
        return version;
    }

    private static void checkSupported(FormatVersion version) throws PayloadException {
        FormatVersion mine = FormatVersion.CURRENT;
        if (version.major() != mine.major()) {
            String relation = version.major() > mine.major() ? "newer than" : "older than";
            throw new PayloadException(PayloadError.UNSUPPORTED_VERSION, "payload format version " + version
                    + " is " + relation + " this reader's " + mine + " (major versions " + version.major()
                    + " and " + mine.major() + " are incompatible); use a hvpatch and host that read format "
                    + version.major() + ".x, or rebuild the payload with this version's tools");
        }
    }

    /**
     * The manifest's text: UTF-8 without a byte order mark (README, "Manifest"). UTF-16 and UTF-32
     * are named as such (their first characters hold zero bytes), anything else that does not
     * decode as UTF-8 is refused with the offset of the first bad byte.
     */
    static String strictUtf8(byte[] json) throws PayloadException {
        if (json.length >= 3 && (json[0] & 0xff) == 0xEF && (json[1] & 0xff) == 0xBB && (json[2] & 0xff) == 0xBF) {
            throw ManifestRules.bad("(document)", "starts with a byte order mark; patch.json is UTF-8 without one");
        }
        boolean bomUtf16or32 = json.length >= 2 && ((json[0] & 0xff) == 0xFE && (json[1] & 0xff) == 0xFF
                || (json[0] & 0xff) == 0xFF && (json[1] & 0xff) == 0xFE);
        boolean zeroInFirstChars = false;
        for (int i = 0; i < Math.min(4, json.length); i++) {
            zeroInFirstChars |= json[i] == 0;
        }
        if (bomUtf16or32 || zeroInFirstChars) {
            throw ManifestRules.bad("(document)", "is UTF-16 or UTF-32; patch.json must be UTF-8");
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(json);
        try {
            return decoder.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw ManifestRules.bad("(document)", "is not valid UTF-8 (at byte " + in.position() + ")");
        }
    }

    /**
     * The payload and class kinds exactly as spelled: Jackson's enum reader would otherwise trim
     * white space and control characters off a value it does not know and accept what is left.
     */
    private static void checkKindSpelling(JsonNode tree) throws PayloadException {
        checkKind(tree.get("kind"), "kind", PayloadKind.class);
        JsonNode classes = tree.get("classes");
        if (classes != null && classes.isArray()) {
            for (int i = 0; i < classes.size(); i++) {
                checkKind(classes.get(i).get("kind"), "classes[" + i + "].kind", ClassKind.class);
            }
        }
        JsonNode requires = tree.get("requires");
        if (requires != null && requires.isArray()) {
            for (int i = 0; i < requires.size(); i++) {
                checkRequirement(requires.get(i), "requires[" + i + "]");
            }
        }
    }

    /**
     * A requirement exactly as spelled, under every format version: one this reader does not know
     * is one it cannot provide, so it is refused rather than ignored (README, "Version policy").
     */
    private static void checkRequirement(JsonNode value, String path) throws PayloadException {
        if (value == null || !value.isTextual()) {
            return; // wrong types are the mapper's errors
        }
        for (Requirement r : Requirement.values()) {
            if (r.jsonName().equals(value.textValue())) {
                return;
            }
        }
        throw ManifestRules.bad(path, "'" + ManifestRules.printable(value.textValue()) + "' is not a requirement this reader "
                + "knows (it knows " + enumNames(Requirement.class) + "), so it cannot provide it; use a hvpatch and host "
                + "that support it");
    }

    private static void checkKind(JsonNode kind, String path, Class<?> type) throws PayloadException {
        if (kind == null || !kind.isTextual()) {
            return; // absence and wrong types are the mapper's errors, with their usual messages
        }
        for (Object constant : type.getEnumConstants()) {
            if (jsonName(constant).equals(kind.textValue())) {
                return;
            }
        }
        throw unsupportedKind(path, kind.textValue(), type);
    }

    private static PayloadException translate(IOException e) {
        if (!(e instanceof JsonMappingException jme)) {
            return ManifestRules.bad("(document)", firstLine(e));
        }
        String path = path(jme.getPath());
        if (e instanceof UnrecognizedPropertyException upe) {
            String at = path.endsWith(upe.getPropertyName()) ? path : path + "." + upe.getPropertyName();
            return ManifestRules.bad(at, "unknown field; remove it (format " + FormatVersion.CURRENT
                    + " does not define it)");
        }
        if (e instanceof InvalidFormatException ife && ife.getValue() instanceof String value
                && (ife.getTargetType() == PayloadKind.class || ife.getTargetType() == ClassKind.class)) {
            return unsupportedKind(path, value, ife.getTargetType());
        }
        if (e instanceof InvalidFormatException ife && ife.getTargetType() != null && ife.getTargetType().isEnum()) {
            return ManifestRules.bad(path, "'" + ManifestRules.printable(String.valueOf(ife.getValue()))
                    + "' is not one of " + enumNames(ife.getTargetType()));
        }
        if (e instanceof ValueInstantiationException && e.getCause() != null) {
            return ManifestRules.bad(path, e.getCause().getMessage());
        }
        if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
            return ManifestRules.bad(path, "wrong type: expected " + describe(mie.getTargetType()));
        }
        return ManifestRules.bad(path, firstLine(e));
    }

    private static PayloadException unsupportedKind(String path, String value, Class<?> type) {
        String what = type == PayloadKind.class ? "payload kind" : "class kind";
        return new PayloadException(PayloadError.UNSUPPORTED_KIND, "patch.json: " + path + ": " + what + " '"
                + ManifestRules.printable(value) + "' is not supported by this reader (it knows "
                + enumNames(type) + "); use a hvpatch and host that support it");
    }

    private static String enumNames(Class<?> type) {
        Object[] constants = type.getEnumConstants();
        return Arrays.stream(constants).map(ManifestCodec::jsonName).collect(Collectors.joining(", "));
    }

    private static String jsonName(Object constant) {
        if (constant instanceof PayloadKind k) {
            return k.jsonName();
        }
        if (constant instanceof ClassKind k) {
            return k.jsonName();
        }
        if (constant instanceof HookPhase p) {
            return p.jsonName();
        }
        if (constant instanceof Requirement r) {
            return r.jsonName();
        }
        return constant.toString();
    }

    private static String describe(Class<?> type) {
        if (type == String.class || type.isEnum() || type == FormatVersion.class
                || type.getPackageName().equals("io.hotvisor.patch.format")
                || type.getPackageName().equals("io.hotvisor.patch.format.sign")) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getFieldName() != null) {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.length() == 0 ? "(document)" : out.toString();
    }

    private static String firstLine(Exception e) {
        String message = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        return ManifestRules.printable(newline < 0 ? message : message.substring(0, newline));
    }
}
