package io.hotvisor.livepatch.osgi;

import io.hotvisor.control.ArgRange;
import io.hotvisor.control.ControlCommand;
import io.hotvisor.control.ControlException;
import io.hotvisor.control.ControlNames.Arg;
import io.hotvisor.control.ControlNames.Command;
import io.hotvisor.patch.applier.ActionOptions;
import io.hotvisor.patch.applier.ActionReport;
import io.hotvisor.patch.applier.Listing;
import io.hotvisor.patch.applier.LivepatchAgent;
import io.hotvisor.patch.applier.LivepatchException;
import io.hotvisor.patch.applier.PayloadStatus;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code livepatch.*} control commands behind {@code hvctl livepatch}, mirroring
 * {@code xen-livepatch}: list, upload, apply, revert, replace, unload and load. Agent refusals
 * become control errors with the agent's stable code and exit class (1 error, 2 busy).
 */
final class LivepatchCommands {
    private LivepatchCommands() {}

    interface Action {
        Object run(LivepatchAgent agent, JsonNode args) throws LivepatchException, ControlException;
    }

    static List<ControlCommand> all(LivepatchAgent agent) {
        return List.of(
                command(agent, Command.LIVEPATCH_LIST, (a, args) -> listing(a.list())),
                command(agent, Command.LIVEPATCH_UPLOAD, (a, args) -> status(a.upload(name(args), bytes(args)))),
                command(agent, Command.LIVEPATCH_APPLY, (a, args) -> report(a.apply(name(args), options(args)))),
                command(agent, Command.LIVEPATCH_REVERT, (a, args) -> report(a.revert(name(args), options(args)))),
                command(agent, Command.LIVEPATCH_REPLACE, (a, args) -> report(a.replace(name(args), options(args)))),
                command(agent, Command.LIVEPATCH_UNLOAD, (a, args) -> {
                    a.unload(name(args));
                    return Map.of("name", name(args), "unloaded", true);
                }),
                command(agent, Command.LIVEPATCH_LOAD, (a, args) -> report(a.load(name(args), bytes(args), options(args)))),
                command(agent, Command.LIVEPATCH_RECOVER, (a, args) -> {
                    boolean confirm = args.path(Arg.CONFIRM).asBoolean(false);
                    List<String> lines = a.repair(confirm);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("confirmed", confirm);
                    m.put("lines", lines);
                    m.put("degraded", a.degraded().orElse(null));
                    return m;
                }));
    }

    private static ControlCommand command(LivepatchAgent agent, String name, Action action) {
        return new ControlCommand() {
            @Override
            public String name() {
                return name;
            }

            /** The named payload's build-id, when it is uploaded: the audit trail records it with the request. */
            @Override
            public Map<String, String> auditDetails(JsonNode args) {
                String n = args.path(Arg.NAME).asText("");
                return agent.get(n).filter(p -> p.payloadBuildId() != null)
                        .map(p -> Map.of("buildId", p.payloadBuildId().hex())).orElse(Map.of());
            }

            @Override
            public Object handle(JsonNode args, Stream stream) throws Exception {
                try {
                    return action.run(agent, args);
                } catch (LivepatchException e) {
                    throw new ControlException(e.code().name(), e.getMessage(), e.exitStatus());
                }
            }
        };
    }

    private static String name(JsonNode args) throws ControlException {
        String n = args.path(Arg.NAME).asText("");
        if (n.isEmpty()) throw new ControlException("INVALID_ARGUMENT", "missing payload name");
        return n;
    }

    private static byte[] bytes(JsonNode args) throws ControlException {
        try {
            return Base64.getDecoder().decode(args.path(Arg.PAYLOAD).asText(""));
        } catch (IllegalArgumentException e) {
            throw new ControlException("INVALID_ARGUMENT", "payload is not base64");
        }
    }

    private static ActionOptions options(JsonNode args) throws ControlException {
        ActionOptions o = args.hasNonNull(Arg.TIMEOUT_MILLIS)
                ? ActionOptions.timeout(ArgRange.timeout(args, Arg.TIMEOUT_MILLIS)) : ActionOptions.DEFAULT;
        return args.path(Arg.NODEPS).asBoolean(false) ? o.withNodeps() : o;
    }

    static Map<String, Object> report(ActionReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("action", r.action());
        m.put("name", r.name());
        m.put("classes", r.classes());
        m.put("quiesceMillis", r.quiesceNanos() / 1e6);
        m.put("windowMillis", r.windowNanos() / 1e6);
        m.put("pauseMillis", r.pauseNanos() / 1e6);
        m.put("mechanism", r.mechanism());
        m.put("loadedClasses", r.loadedClassCount());
        m.put("summary", r.summary());
        m.put("noAction", r.noAction());
        return m;
    }

    static Map<String, Object> status(PayloadStatus p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("state", p.state().name());
        m.put("buildId", p.payloadBuildId() == null ? null : p.payloadBuildId().hex());
        m.put("targetBuildId", p.targetBuildId() == null ? null : p.targetBuildId().hex());
        m.put("dependsOn", p.dependsOn() == null ? null : p.dependsOn().hex());
        m.put("appliedAt", p.appliedAt() == null ? null : p.appliedAt().toString());
        m.put("mechanism", p.mechanism());
        m.put("lastError", p.lastError());
        Map<String, String> meta = new LinkedHashMap<>();
        if (p.metadata() != null) {
            if (p.metadata().description() != null) meta.put("description", p.metadata().description());
            if (p.metadata().author() != null) meta.put("author", p.metadata().author());
            if (p.metadata().headRevision() != null) meta.put("head", p.metadata().headRevision());
        }
        m.put("metadata", meta);
        m.put("classes", p.classes());
        m.put("strandedClasses", p.strandedClasses());
        return m;
    }

    static Map<String, Object> listing(Listing l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", l.version());
        m.put("inProgress", l.inProgress());
        List<Object> rows = new ArrayList<>();
        for (PayloadStatus p : l.payloads()) rows.add(status(p));
        m.put("payloads", rows);
        m.put("applied", l.applied());
        m.put("watching", l.watching());
        m.put("degraded", l.degraded());
        return m;
    }
}
