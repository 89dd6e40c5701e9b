package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.LivepatchMechanism;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.ClassKind;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.Requirement;
import io.hotvisor.patch.format.payload.Payload;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.sign.TrustStore;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Everything an upload checks before a payload enters the table, in the order an operator would
 * want to hear about it: the name (the caller's choice), the signature and format, a duplicate,
 * the target build-id, what the payload requires of the host (a trampoline), the mechanism's own
 * conditions, and the expectations as seen from the payload's dependency chain. Nothing is changed
 * by a check; it only refuses.
 */
final class UploadCheck {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final PayloadReader reader = new PayloadReader();
    private final TrustStore trust;
    private final BuildId hostBuildId;
    private final PayloadTable table;
    private final Planner planner;
    private final Function<Manifest, Action> actions;
    private final LivepatchMechanism mechanism;

    UploadCheck(TrustStore trust, BuildId hostBuildId, PayloadTable table, Planner planner,
                Function<Manifest, Action> actions, LivepatchMechanism mechanism) {
        this.trust = trust;
        this.hostBuildId = hostBuildId;
        this.table = table;
        this.planner = planner;
        this.actions = actions;
        this.mechanism = mechanism;
    }

    /**
     * The verified payload {@code bytes} holds, if it may be uploaded as {@code name}.
     *
     * @throws LivepatchException BAD_NAME, EXISTS, BAD_PAYLOAD, WRONG_BUILD, WRONG_MECHANISM,
     *                            NOTHING_TO_PATCH, UNSUPPORTED, CLASS_NOT_FOUND, EXPECTATION
     */
    Payload check(String name, byte[] bytes) throws LivepatchException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new LivepatchException(ErrorCode.BAD_NAME, "'" + name + "' is not a payload name: use 1-64 characters"
                    + " of A-Z a-z 0-9 . _ -");
        }
        PayloadTable.Entry existing = table.get(name);
        if (existing != null) {
            throw new LivepatchException(ErrorCode.EXISTS, "a payload named " + name + " is already uploaded (state "
                    + table.state(existing) + "); unload it first, or upload under another name");
        }
        Payload payload;
        try {
            payload = reader.verify(bytes, trust);
        } catch (PayloadException e) {
            throw new LivepatchException(ErrorCode.BAD_PAYLOAD, "payload " + name + " refused (" + e.error() + "): "
                    + e.getMessage(), e.error(), e);
        }
        // The caller chooses the name, as with xen-livepatch; the manifest's own name is metadata.
        Manifest m = payload.manifest();
        PayloadTable.Entry same = table.byBuildId(m.payloadBuildId());
        if (same != null) {
            throw new LivepatchException(ErrorCode.EXISTS, "payload " + name + " makes the same change as "
                    + same.name() + " (payload build-id " + m.payloadBuildId() + "); it is already uploaded");
        }
        if (!m.targetBuildId().equals(hostBuildId)) {
            throw new LivepatchException(ErrorCode.WRONG_BUILD, "payload " + name + " was built for host build "
                    + m.targetBuildId() + ", but this host runs build " + hostBuildId
                    + "; rebuild the payload against the running build");
        }
        checkRequirements(name, m);
        actions.apply(m).checkUpload(name, m);
        checkExpectations(name, payload);
        return payload;
    }

    /**
     * What the payload requires of the host, against the mechanism this host applies payloads with:
     * a payload that adds methods (requires {@code trampoline}) would be refused by the JVM inside
     * the window on a redefining host, so it is refused here, saying what to do.
     */
    private void checkRequirements(String name, Manifest m) throws LivepatchException {
        for (Requirement r : m.requires()) {
            if (!mechanism.provides(r)) {
                throw new LivepatchException(ErrorCode.WRONG_MECHANISM, "this host applies payloads by "
                        + (mechanism == LivepatchMechanism.REDEFINE ? "redefinition" : mechanism.configName()) + "; payload " + name
                        + " requires livepatch-mechanism = " + r.jsonName() + " (it adds methods): set it in host.cfg and "
                        + "restart, or rebuild the payload without --mechanism " + r.jsonName());
            }
        }
    }

    /**
     * Expectations as seen from the payload's dependency chain: a class a payload of the chain
     * changes is expected with that payload's bytes, any other with the bytes the host was built
     * with. The same check runs again against the running record at apply.
     */
    private void checkExpectations(String name, Payload payload) throws LivepatchException {
        Map<ClassKey, byte[]> chain = new HashMap<>();
        BuildId dep = payload.manifest().dependsOn();
        Set<BuildId> seen = new HashSet<>();
        while (dep != null && seen.add(dep)) {
            PayloadTable.Entry d = table.byBuildId(dep);
            if (d == null) {
                // A dependency not uploaded yet may change any class, so what this payload should
                // find is unknown here; apply checks again against the running record, and
                // refuses a missing dependency before that.
                return;
            }
            for (ClassEntry c : d.manifest().classes()) {
                chain.putIfAbsent(ClassKey.of(c), d.payload().classBytes(c));
            }
            dep = d.manifest().dependsOn();
        }
        for (ClassEntry c : payload.manifest().classes()) {
            if (c.kind() != ClassKind.REDEFINE) {
                continue;
            }
            ClassKey key = ClassKey.of(c);
            byte[] view = chain.get(key);
            if (view == null) {
                view = planner.original(key, planner.resolve(name, key));
            }
            Planner.expect(name, c, view, "the host build");
        }
    }
}
