package io.hotvisor.runtime.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Snapshots as JSON bytes, the form in which they cross from one bundle version to the next.
 *
 * <p>Every snapshot's JSON is one object with {@code subsystem} and {@code version} at the top level
 * beside the subsystem's own fields, so {@link #read(byte[])} can tell which importer and which
 * version it needs before any record type is involved. Thread-safe.
 */
public final class SnapshotCodec {
    // Unknown properties fail: a field this version does not know means the snapshot is not what its
    // version claims, and dropping it silently would lose state.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private SnapshotCodec() {}

    /** The snapshot as UTF-8 JSON. An {@link EncodedSnapshot} is returned as the bytes it holds. */
    public static byte[] write(Snapshot snapshot) {
        if (snapshot instanceof EncodedSnapshot e) return e.json();
        try {
            return JSON.writeValueAsBytes(snapshot);
        } catch (JsonProcessingException e) {
            // Snapshots are records of plain data; one Jackson cannot write is a programming error.
            throw new UncheckedIOException("cannot write " + snapshot.subsystem() + " snapshot as JSON", e);
        }
    }

    /**
     * Reads the subsystem and version of JSON bytes, keeping the bytes for the importer.
     *
     * @throws StateTransferException MALFORMED when the bytes are not a JSON object with a subsystem and a version
     */
    public static EncodedSnapshot read(byte[] json) throws StateTransferException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new StateTransferException(StateTransferException.Code.MALFORMED, "snapshot is not JSON: " + originalMessage(e), e);
        }
        if (root == null || !root.isObject() || !root.path("subsystem").isTextual() || !root.path("version").canConvertToExactIntegral()) {
            throw new StateTransferException(StateTransferException.Code.MALFORMED,
                    "snapshot JSON must be an object with a text 'subsystem' and an integer 'version'");
        }
        return new EncodedSnapshot(root.get("subsystem").asText(), root.get("version").intValue(), json);
    }

    /**
     * Reads JSON bytes as a snapshot record, without checking subsystem or version (see
     * {@link SnapshotFormat#read} for that).
     *
     * @throws StateTransferException MALFORMED when the JSON does not fit {@code type}
     */
    public static <T extends Snapshot> T decode(byte[] json, Class<T> type) throws StateTransferException {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new StateTransferException(StateTransferException.Code.MALFORMED,
                    "snapshot JSON does not fit " + type.getSimpleName() + ": " + originalMessage(e), e);
        }
    }

    private static String originalMessage(IOException e) {
        return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }
}
