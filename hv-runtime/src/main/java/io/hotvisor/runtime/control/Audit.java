package io.hotvisor.runtime.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.control.ControlCommand;
import io.hotvisor.control.ControlNames.Arg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the control server writes to the {@link AuditTrail}: who asked (the kernel's user, the
 * claimed pid and whether it checks out), which command, the arguments that matter, and the outcome.
 * {@link #NONE} records nothing (a server without a state directory, in unit tests).
 */
final class Audit {
    static final Audit NONE = new Audit(null);

    /** Arguments that are bytes, not facts: never recorded. */
    private static final Set<String> BYTES = Set.of(Arg.IMAGE, Arg.PAYLOAD);
    private static final int MAX_VALUE = 200;

    private final AuditTrail trail;

    Audit(AuditTrail trail) {
        this.trail = trail;
    }

    /** A request about to run: what will be recorded of it. */
    record Request(String user, Long pid, boolean pidVerified, String command, Map<String, String> args) {
    }

    Request request(String user, JsonNode pidNode, String command, JsonNode args, ControlCommand handler) {
        Long pid = pidNode != null && pidNode.canConvertToLong() ? pidNode.asLong() : null;
        Map<String, String> recorded = argsOf(args);
        try {
            recorded.putAll(handler.auditDetails(args));
        } catch (RuntimeException e) {
            recorded.put("details", "unavailable: " + e);
        }
        return new Request(user, pid, pid != null && ownedBy(pid, user), command, recorded);
    }

    /** Why requests that change the host must be refused, or null. */
    String unavailable() {
        return trail == null ? null : trail.unavailable();
    }

    /** Records {@code request} with the reply it got. */
    void record(Request request, JsonNode reply) {
        if (trail == null) {
            return;
        }
        Map<String, String> args = new LinkedHashMap<>(request.args());
        JsonNode result = reply.path("result");
        if (result.path("buildId").isTextual() && !args.containsKey("buildId")) {
            args.put("buildId", result.path("buildId").asText());
        }
        boolean ok = reply.path("ok").asBoolean(false);
        JsonNode error = reply.path("error");
        trail.append(new AuditRecord(0, null, request.user(), request.pid(), request.pidVerified(), request.command(), args,
                ok ? AuditRecord.OK : error.path("code").asText("ERROR"), ok ? null : error.path("message").asText(null)));
    }

    /** Records a peer refused before it could send a request. */
    void refusedPeer(String user, String message) {
        if (trail != null) {
            trail.append(new AuditRecord(0, null, user == null ? "(unknown)" : user, null, false, "connect", Map.of(),
                    "PERMISSION_DENIED", message));
        }
    }

    /** The request's arguments as text: scalars as they are (cut at 200 characters), file lists by name, no bytes. */
    static Map<String, String> argsOf(JsonNode args) {
        Map<String, String> out = new LinkedHashMap<>();
        args.fields().forEachRemaining(f -> {
            if (BYTES.contains(f.getKey())) {
                return;
            }
            JsonNode v = f.getValue();
            if (v.isValueNode()) {
                String text = v.asText();
                out.put(f.getKey(), text.length() > MAX_VALUE ? text.substring(0, MAX_VALUE) + "..." : text);
            } else if (f.getKey().equals(Arg.FILES) && v.isArray()) {
                List<String> names = new ArrayList<>();
                v.forEach(file -> names.add(file.path(Arg.NAME).asText("?")));
                out.put(f.getKey(), String.join(",", names));
            }
        });
        return out;
    }

    /** Whether {@code pid} is a live process owned by {@code user} ({@code /proc/PID}'s owner). */
    static boolean ownedBy(long pid, String user) {
        try {
            return Files.getOwner(Path.of("/proc", Long.toString(pid))).getName().equals(user);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
