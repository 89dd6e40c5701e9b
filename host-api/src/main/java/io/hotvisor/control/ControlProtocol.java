package io.hotvisor.control;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The control protocol: each message is a 4-byte big-endian length followed by that many bytes of
 * UTF-8 JSON. A request is {@code {"version":1,"command":NAME,"args":{...}}}; a response is
 * {@code {"version":1,"ok":true,"result":...}} or {@code {"version":1,"ok":false,"error":{"code":..,
 * "message":..,"exit":..}}}. A connection carries any number of requests, answered in order
 * (pipelining). A streaming command ({@code console --follow}) answers with several responses whose
 * result has {@code "more":true}, the last with {@code "more":false}.
 *
 * <p>A frame's body is read as its bytes arrive, into a buffer that grows with them
 * ({@link #readBody}): the declared length is a limit, never an allocation, so a peer that
 * declares {@link #MAX_MESSAGE} and sends nothing costs {@link #INITIAL_BUFFER} bytes.
 */
public final class ControlProtocol {
    private ControlProtocol() {}

    public static final int VERSION = 1;
    /**
     * The largest payload file a request carries: the payload format's own cap (patch-format's
     * {@code PayloadLimits.DEFAULT}, 64 MiB), so that every payload the host could accept can be
     * uploaded.
     */
    public static final int MAX_PAYLOAD = 64 << 20;
    /** Room for a request's JSON around its base64 payload: command, name, options. */
    public static final int ENVELOPE = 64 << 10;
    /** Largest message accepted: a {@link #MAX_PAYLOAD} payload, base64-encoded, plus its envelope. */
    public static final int MAX_MESSAGE = base64Length(MAX_PAYLOAD) + ENVELOPE;
    /** What a frame's buffer starts at; it doubles as bytes arrive, up to the declared length. */
    public static final int INITIAL_BUFFER = 64 << 10;
    /** The code of a frame or payload over the limit. */
    public static final String PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE";

    /**
     * The protocol's JSON. Jackson's default cap on one string (20 MB) is below a base64 payload
     * at the format's cap: the frame limit is the only size limit.
     */
    public static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(MAX_MESSAGE).build()).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The length of {@code bytes} bytes in padded base64 (RFC 4648). */
    public static int base64Length(int bytes) {
        return Math.toIntExact(4L * ((bytes + 2L) / 3));
    }

    /** The one-line error for something over a limit: "payload too large (N > M bytes)". */
    public static ControlException tooLarge(long size, long limit) {
        return new ControlException(PAYLOAD_TOO_LARGE, "payload too large (" + size + " > " + limit + " bytes)");
    }

    /** Reads one message; null at a clean end of stream. */
    public static JsonNode read(DataInputStream in) throws IOException, ControlException {
        int length = readLength(in);
        return length < 0 ? null : readBody(in, length);
    }

    /**
     * Reads a frame's 4-byte length; -1 at a clean end of stream.
     *
     * @throws ControlException {@code PAYLOAD_TOO_LARGE} over {@link #MAX_MESSAGE}, {@code BAD_REQUEST}
     *                          for a length too small to be JSON
     */
    public static int readLength(DataInputStream in) throws IOException, ControlException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            return -1;
        }
        if (length < 0 || length > MAX_MESSAGE) {
            throw tooLarge(Integer.toUnsignedLong(length), MAX_MESSAGE);
        }
        if (length < 2) {
            throw new ControlException("BAD_REQUEST", "message length " + length + " is outside 2.." + MAX_MESSAGE + " bytes");
        }
        return length;
    }

    /**
     * Reads a frame body of {@code length} bytes, growing its buffer only as data arrives, and
     * parses it.
     *
     * @throws EOFException     when the stream ends inside the frame
     * @throws ControlException {@code BAD_REQUEST} when the body is not JSON
     */
    public static JsonNode readBody(InputStream in, int length) throws IOException, ControlException {
        byte[] body = new byte[Math.min(length, INITIAL_BUFFER)];
        int filled = 0;
        while (filled < length) {
            if (filled == body.length) {
                body = Arrays.copyOf(body, (int) Math.min(length, 2L * body.length));
            }
            int n = in.read(body, filled, body.length - filled);
            if (n < 0) throw new EOFException("the connection ended " + (length - filled) + " bytes short of a " + length + "-byte message");
            filled += n;
        }
        try {
            return JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ControlException("BAD_REQUEST", "message is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * A message's bytes, checked against {@link #MAX_MESSAGE} before anything is sent.
     *
     * @throws ControlException {@code PAYLOAD_TOO_LARGE} when the receiver would refuse it
     */
    public static byte[] encode(JsonNode message) throws ControlException {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(message);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
        if (body.length > MAX_MESSAGE) throw tooLarge(body.length, MAX_MESSAGE);
        return body;
    }

    public static void write(DataOutputStream out, JsonNode message) throws IOException {
        write(out, JSON.writeValueAsBytes(message));
    }

    /** Writes one frame of already encoded bytes ({@link #encode}). */
    public static void write(DataOutputStream out, byte[] body) throws IOException {
        synchronized (out) {
            out.writeInt(body.length);
            out.write(body);
            out.flush();
        }
    }

    /**
     * A request from this process. It carries the sender's pid, which the host's audit trail records
     * as claimed (the kernel vouches only for the user: the host checks that the pid is that user's).
     */
    public static ObjectNode request(String command, JsonNode args) {
        ObjectNode r = JSON.createObjectNode();
        r.put("version", VERSION);
        r.put("command", command);
        r.put("pid", ProcessHandle.current().pid());
        r.set("args", args == null ? JSON.createObjectNode() : args);
        return r;
    }

    public static ObjectNode ok(JsonNode result) {
        ObjectNode r = JSON.createObjectNode();
        r.put("version", VERSION);
        r.put("ok", true);
        r.set("result", result);
        return r;
    }

    public static ObjectNode error(String code, String message, int exit) {
        ObjectNode r = JSON.createObjectNode();
        r.put("version", VERSION);
        r.put("ok", false);
        ObjectNode e = r.putObject("error");
        e.put("code", code);
        e.put("message", message);
        e.put("exit", exit);
        return r;
    }
}
