package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.HookPhase;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.manifest.Requirement;
import io.hotvisor.patch.format.payload.ClassChange;
import io.hotvisor.patch.format.payload.PayloadDraft;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.payload.PayloadWriter;
import io.hotvisor.patch.format.sign.SigningKey;
import io.hotvisor.patch.format.sign.TrustStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Real signed payloads over the fixture bundle, written by the format's own writer. */
final class Payloads {
    static final SigningKey KEY = SigningKey.generate();
    static final TrustStore TRUST = TrustStore.of(List.of(KEY.publicKey()));
    static final Metadata METADATA = new Metadata("Fix the greeting.", "Ada <ada@example.org>", null, "v1", "fix-1",
            "hvpatch 0.1.0", "javac 17", List.of("-g"), "2026-01-01T00:00:00Z");

    private static final Map<HookPhase, String> HOOK_METHODS = Map.of(
            HookPhase.PRE_APPLY, "preApply", HookPhase.APPLY, "apply", HookPhase.POST_APPLY, "postApply",
            HookPhase.PRE_REVERT, "preRevert", HookPhase.REVERT, "revert", HookPhase.POST_REVERT, "postRevert");

    private final String name;
    private BuildId target = FixtureBundle.hostBuildId();
    private BuildId dependsOn;
    private final List<ClassChange> classes = new ArrayList<>();
    private final List<Hook> hooks = new ArrayList<>();
    private final java.util.Set<Requirement> requires = java.util.EnumSet.noneOf(Requirement.class);

    private Payloads(String name) {
        this.name = name;
    }

    static Payloads named(String name) {
        return new Payloads(name);
    }

    /** Redefines {@code className} from its {@code from} version to its {@code to} version. */
    Payloads redefine(String className, String from, String to) {
        return redefine(className, FixtureBundle.bytes(from, className), FixtureBundle.bytes(to, className));
    }

    Payloads redefine(String className, byte[] expected, byte[] bytes) {
        classes.add(ClassChange.redefine(image(className, bytes), Sha256.of(expected)));
        return this;
    }

    /** Defines {@code className} as the given version has it. */
    Payloads define(String className, String version) {
        classes.add(ClassChange.define(image(className, FixtureBundle.bytes(version, className))));
        return this;
    }

    /** Defines {@code className} with the given class file bytes. */
    Payloads define(String className, byte[] bytes) {
        classes.add(ClassChange.define(image(className, bytes)));
        return this;
    }

    /** Adds fix.Hooks (v2) as a new class and the hooks of the given phases. */
    Payloads hooks(HookPhase... phases) {
        if (classes.stream().noneMatch(c -> c.image().className().equals("fix.Hooks"))) {
            define("fix.Hooks", "v2");
        }
        for (HookPhase p : phases) {
            hooks.add(new Hook(p, FixtureBundle.BUNDLE, "fix.Hooks", HOOK_METHODS.get(p)));
        }
        return this;
    }

    Payloads target(BuildId id) {
        this.target = id;
        return this;
    }

    /** Lists {@code r} in the manifest's {@code requires}. */
    Payloads requires(Requirement r) {
        requires.add(r);
        return this;
    }

    Payloads dependsOn(BuildId id) {
        this.dependsOn = id;
        return this;
    }

    byte[] bytes() {
        return bytes(KEY);
    }

    byte[] bytes(SigningKey key) {
        try {
            return PayloadWriter.write(new PayloadDraft(name, target, dependsOn, classes, hooks, METADATA).withRequires(requires), key);
        } catch (PayloadException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The payload build-id of the bytes this builder writes. */
    BuildId buildId() {
        try {
            return new PayloadReader().verify(bytes(), TRUST).manifest().payloadBuildId();
        } catch (PayloadException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ClassImage image(String className, byte[] bytes) {
        return new ClassImage(FixtureBundle.BUNDLE, FixtureBundle.VERSION, className, bytes);
    }
}
