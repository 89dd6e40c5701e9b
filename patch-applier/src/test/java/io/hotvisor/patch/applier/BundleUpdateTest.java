package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.payload.BundleChange;
import io.hotvisor.patch.format.payload.PayloadDraft;
import io.hotvisor.patch.format.payload.PayloadWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The agent's side of bundle-update payloads: upload checks, the stack rules, apply and revert
 * through the {@link BundleUpdater} (a recording fake here: the Felix side is exercised by the
 * end-to-end samples), and the refusals a livepatch stack imposes.
 */
class BundleUpdateTest {
    static final String SCHED = "io.hotvisor.runtime.sched.credit2";

    @TempDir
    Path state;
    Harness h;
    final FakeUpdater updater = new FakeUpdater();

    @BeforeEach
    void setUp() throws Exception {
        h = new Harness(state);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** Records updates and answers like a host running {@link #SCHED} at {@code version}. */
    static final class FakeUpdater implements BundleUpdater {
        String version = "0.1.0";
        boolean replaceable = true;
        LivepatchException failWith;
        final List<String> calls = new ArrayList<>();

        @Override
        public Optional<String> version(String symbolicName) {
            return symbolicName.equals(SCHED) || symbolicName.equals(FixtureBundle.BUNDLE) ? Optional.of(version) : Optional.empty();
        }

        @Override
        public boolean replaceable(String symbolicName) {
            return replaceable;
        }

        @Override
        public Result update(String symbolicName, String fromVersion, byte[] jar) throws LivepatchException {
            calls.add(symbolicName + " " + fromVersion + " -> " + jar.length + " bytes");
            if (failWith != null) throw failWith;
            byte[] previous = ("jar of " + version).getBytes(StandardCharsets.UTF_8);
            version = fromVersion.equals("0.1.0") ? "0.1.0.u1" : "0.1.0";
            return new Result(previous, 3, 1_000_000, 5_000_000, 4_000_000, "state credit2 v2 imported as v2");
        }
    }

    static byte[] jar(String bundle, String version) {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Bundle-SymbolicName", bundle);
        m.getMainAttributes().putValue("Bundle-Version", version);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    static byte[] bundleUpdate(String name, String from, String to) {
        return bundleUpdate(name, List.of(new BundleChange(SCHED, from, to, jar(SCHED, to))), null);
    }

    static byte[] bundleUpdate(String name, List<BundleChange> bundles, BuildId dependsOn) {
        try {
            return PayloadWriter.write(PayloadDraft.bundleUpdate(name, FixtureBundle.hostBuildId(), dependsOn, bundles,
                    Payloads.METADATA), Payloads.KEY);
        } catch (PayloadException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aHostWithoutBundleUpdaterRefusesBundleUpdatesAtUpload() {
        assertThatThrownBy(() -> h.agent.upload("bu", bundleUpdate("bu", "0.1.0", "0.1.0.u1")))
                .isInstanceOfSatisfying(LivepatchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("cannot apply");
    }

    @Test
    void uploadChecksVersionReplaceabilityAndOneBundle() {
        h.agent.bundleUpdater(updater);
        assertThatThrownBy(() -> h.agent.upload("old", bundleUpdate("old", "0.0.9", "0.1.0.u1")))
                .isInstanceOfSatisfying(LivepatchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EXPECTATION))
                .hasMessageContaining("host runs version 0.1.0");
        assertThatThrownBy(() -> h.agent.upload("other", bundleUpdate("other", List.of(
                new BundleChange("io.hotvisor.runtime.sbi", "0.1.0", "0.2.0", jar("io.hotvisor.runtime.sbi", "0.2.0"))), null)))
                .isInstanceOfSatisfying(LivepatchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CLASS_NOT_FOUND));
        assertThatThrownBy(() -> h.agent.upload("two", bundleUpdate("two", List.of(
                new BundleChange(SCHED, "0.1.0", "0.1.1", jar(SCHED, "0.1.1")),
                new BundleChange("io.hotvisor.runtime.sbi", "0.1.0", "0.2.0", jar("io.hotvisor.runtime.sbi", "0.2.0"))), null)))
                .isInstanceOfSatisfying(LivepatchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("one bundle per payload");
        updater.replaceable = false;
        assertThatThrownBy(() -> h.agent.upload("fixed", bundleUpdate("fixed", "0.1.0", "0.1.0.u1")))
                .isInstanceOfSatisfying(LivepatchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED))
                .hasMessageContaining("does not carry its state across");
        assertThat(h.agent.list().payloads()).isEmpty();
        assertThat(updater.calls).isEmpty();
    }

    @Test
    void appliesAndRevertsThroughTheUpdaterWithThePreviousJar() throws Exception {
        h.agent.bundleUpdater(updater);
        h.agent.upload("bu", bundleUpdate("bu", "0.1.0", "0.1.0.u1"));
        ActionReport apply = h.agent.apply("bu");
        assertThat(apply.notes()).containsExactly("bundle " + SCHED + " 0.1.0 -> 0.1.0.u1");
        assertThat(apply.pauseNanos()).isEqualTo(4_000_000);
        assertThat(h.agent.get("bu").orElseThrow().state()).isEqualTo(PayloadState.APPLIED);
        assertThat(updater.version).isEqualTo("0.1.0.u1");

        ActionReport revert = h.agent.revert("bu");
        assertThat(revert.notes()).containsExactly("bundle " + SCHED + " 0.1.0.u1 -> 0.1.0");
        assertThat(updater.calls).hasSize(2);
        assertThat(updater.calls.get(1)).startsWith(SCHED + " 0.1.0.u1 -> " + "jar of 0.1.0".length() + " bytes");
        assertThat(h.agent.get("bu").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);
    }

    @Test
    void aFailedUpdateLeavesThePayloadCheckedWithTheError() throws Exception {
        h.agent.bundleUpdater(updater);
        h.agent.upload("bu", bundleUpdate("bu", "0.1.0", "0.1.0.u1"));
        updater.failWith = new LivepatchException(ErrorCode.APPLY_FAILED, "import refused; rolled back to 0.1.0");
        assertThatThrownBy(() -> h.agent.apply("bu"))
                .isInstanceOfSatisfying(LivepatchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.APPLY_FAILED));
        PayloadStatus s = h.agent.get("bu").orElseThrow();
        assertThat(s.state()).isEqualTo(PayloadState.CHECKED);
        assertThat(s.lastError()).contains("rolled back to 0.1.0");
    }

    @Test
    void refusedWhileALivepatchChangesClassesOfTheBundleAndForReplace() throws Exception {
        h.agent.bundleUpdater(updater);
        // A livepatch whose classes name the scheduler bundle: the bundle update would drop its change.
        h.agent.upload("fix", Payloads.named("fix").redefine("fix.Greeter", "v1", "v2").bytes());
        h.agent.apply("fix");
        h.agent.upload("bu", bundleUpdateOfFixture(h.agent.get("fix").orElseThrow().payloadBuildId()));
        assertThatThrownBy(() -> h.agent.apply("bu"))
                .isInstanceOfSatisfying(LivepatchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY))
                .hasMessageContaining("changes class fix.Greeter of bundle " + FixtureBundle.BUNDLE);
        assertThatThrownBy(() -> h.agent.replace("bu"))
                .isInstanceOfSatisfying(LivepatchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED));
        assertThat(updater.calls).isEmpty();
    }

    /** A bundle update of the fixture bundle, stacked on {@code dependsOn}. */
    private byte[] bundleUpdateOfFixture(BuildId dependsOn) {
        updater.version = FixtureBundle.VERSION;
        return bundleUpdate("bu", List.of(new BundleChange(FixtureBundle.BUNDLE, FixtureBundle.VERSION, "9.9.9",
                jar(FixtureBundle.BUNDLE, "9.9.9"))), dependsOn);
    }
}
