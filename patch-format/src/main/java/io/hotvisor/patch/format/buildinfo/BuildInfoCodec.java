package io.hotvisor.patch.format.buildinfo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads and writes {@code build-info.json}. Thread-safe and stateless.
 *
 * <p>Reading is strict, like the manifest's: one JSON object, no duplicate keys, nothing after it,
 * no unknown fields, no type coercion, every field present; then the rules of the README ("Build
 * info") are checked. Writing gives the canonical form: documented field order, two-space
 * indentation, {@code \n} line ends, one final {@code \n}.
 */
public final class BuildInfoCodec {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, cfg -> cfg
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();
    private static final ObjectReader READER = MAPPER.readerFor(BuildInfo.class);
    private static final ObjectWriter CANONICAL = MAPPER.writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private BuildInfoCodec() {
    }

    /**
     * Reads and checks a build-info file.
     *
     * @throws BuildInfoException naming the file and, where it can, the field
     */
    public static BuildInfo read(Path file) throws BuildInfoException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BuildInfoException(file + ": no such build-info file");
        } catch (IOException e) {
            throw new BuildInfoException(file + ": cannot be read: " + e.getMessage(), e);
        }
        try {
            return read(unwrapHostInfo(bytes));
        } catch (BuildInfoException e) {
            throw new BuildInfoException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A running host serves its build-info inside {@code hvctl info --json} (field {@code buildInfo});
     * such a file is accepted as a target too, so {@code hvctl info --json > target.json} is enough.
     */
    private static byte[] unwrapHostInfo(byte[] bytes) throws BuildInfoException {
        com.fasterxml.jackson.databind.JsonNode tree;
        try {
            tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            return bytes; // let the strict reader say what is wrong
        }
        if (tree == null || !tree.isObject() || !tree.has("buildInfo")) return bytes;
        if (!tree.get("buildInfo").isObject()) {
            throw new BuildInfoException("this hvctl info output has no build-info: the host runs without its distribution's "
                    + "build-info.json, or a build that file does not describe");
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(tree.get("buildInfo"));
        } catch (IOException e) {
            throw new BuildInfoException("cannot re-encode the host's build-info: " + e.getMessage(), e);
        }
    }

    /**
     * Reads and checks a build-info document.
     *
     * @throws BuildInfoException naming the field that is wrong
     */
    public static BuildInfo read(byte[] json) throws BuildInfoException {
        BuildInfo info;
        try {
            info = READER.readValue(json);
        } catch (JsonMappingException e) {
            String path = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            throw new BuildInfoException((path.isEmpty() ? "(document)" : path) + ": "
                    + firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new BuildInfoException("not valid JSON: " + firstLine(e.getMessage()), e);
        }
        validate(info);
        return info;
    }

    /**
     * Checks the README's rules: the format version, unique bundle names, unique class names per
     * bundle, and a {@code modules} entry for every module a bundle names.
     *
     * @throws BuildInfoException naming the first rule broken
     */
    public static void validate(BuildInfo info) throws BuildInfoException {
        if (!BuildInfo.FORMAT_VERSION.equals(info.formatVersion())) {
            throw new BuildInfoException("format-version: build-info format " + info.formatVersion()
                    + " is not this reader's " + BuildInfo.FORMAT_VERSION);
        }
        Set<String> bundleNames = new HashSet<>();
        Set<String> modules = info.modules().stream().map(BuildInfo.Module::path).collect(Collectors.toSet());
        for (int i = 0; i < info.bundles().size(); i++) {
            BuildInfo.Bundle bundle = info.bundles().get(i);
            if (!bundleNames.add(bundle.symbolicName())) {
                throw new BuildInfoException("bundles[" + i + "].symbolic-name: bundle " + bundle.symbolicName()
                        + " listed twice");
            }
            if (!modules.contains(bundle.module())) {
                throw new BuildInfoException("bundles[" + i + "].module: no modules entry for " + bundle.module());
            }
            Set<String> names = new HashSet<>();
            for (BuildInfo.ClassHash c : bundle.classes()) {
                if (!names.add(c.name())) {
                    throw new BuildInfoException("bundles[" + i + "].classes: class " + c.name() + " listed twice");
                }
            }
        }
        if (modules.size() != info.modules().size()) {
            throw new BuildInfoException("modules: a module path is listed twice");
        }
    }

    /** The canonical bytes (UTF-8, ending with a line feed). */
    public static byte[] write(BuildInfo info) {
        try {
            byte[] body = CANONICAL.writeValueAsBytes(info);
            byte[] out = Arrays.copyOf(body, body.length + 1);
            out[body.length] = '\n';
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a build-info record could not be written as JSON", e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }
}
