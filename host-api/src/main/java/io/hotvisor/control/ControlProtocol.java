package io.hotvisor.control;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * The control protocol: each message is a 4-byte big-endian length followed by that many bytes of
 * UTF-8 JSON. A request is {@code {"version":1,"command":NAME,"args":{...}}}; a response is
 * {@code {"version":1,"ok":true,"result":...}} or {@code {"version":1,"ok":false,"error":{"code":..,
 * "message":..,"exit":..}}}. A connection carries any number of requests, answered in order
 * (pipelining). A streaming command ({@code console --follow}) answers with several responses whose
 * result has {@code "more":true}, the last with {@code "more":false}.
 */
public final class ControlProtocol {
    private ControlProtocol() {}

    public static final int VERSION = 1;
    /** Largest message accepted: room for a payload upload, small enough to refuse a flood. */
    public static final int MAX_MESSAGE = 64 << 20;

    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Reads one message; null at a clean end of stream. */
    public static JsonNode read(DataInputStream in) throws IOException, ControlException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (length < 2 || length > MAX_MESSAGE) {
            throw new ControlException("BAD_REQUEST", "message length " + length + " is outside 2.." + MAX_MESSAGE + " bytes");
        }
        byte[] body = new byte[length];
        in.readFully(body);
        try {
            return JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ControlException("BAD_REQUEST", "message is not valid JSON: " + e.getOriginalMessage());
        }
    }

    public static void write(DataOutputStream out, JsonNode message) throws IOException {
        byte[] body = JSON.writeValueAsBytes(message);
        synchronized (out) {
            out.writeInt(body.length);
            out.write(body);
            out.flush();
        }
    }

    public static ObjectNode request(String command, JsonNode args) {
        ObjectNode r = JSON.createObjectNode();
        r.put("version", VERSION);
        r.put("command", command);
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
