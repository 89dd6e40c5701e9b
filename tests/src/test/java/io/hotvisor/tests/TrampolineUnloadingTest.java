package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.control.ControlNames;
import io.hotvisor.control.ControlProtocol;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.payload.ClassChange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.hotvisor.tests.LivepatchFaultsTest.VERSION;
import static io.hotvisor.tests.LivepatchFaultsTest.extraVersion;
import static io.hotvisor.tests.LivepatchFaultsTest.returning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two hundred apply/revert cycles on a trampoline host leave nothing behind: the hidden classes
 * holding the payloads' bodies are unloaded once reverted, so after a GC the host's loaded-class
 * count and metaspace are back at their first-cycle level, and the guests that ran meanwhile print
 * exactly what they print on an unpatched host. The host is a real process; its class and
 * metaspace figures are the JVM's own, read with the JDK's {@code jstat} after a {@code jcmd GC.run}.
 *
 * <p>The cycles alternate two payloads (TrampolineModeTest's fix adding a helper and a lambda, and a literal fix), so
 * every apply defines fresh hidden classes: the applier keeps the bodies of only what runs now and
 * what ran just before.
 */
class TrampolineUnloadingTest {
    private static final int CYCLES = 200;
    /** Classes the host may load for other reasons over the run (JIT-spun lambda forms and the like). */
    private static final long CLASS_NOISE = 60;
    /**
     * Metaspace the host grows by over the run for other reasons: {@code jcmd VM.metaspace show-loaders}
     * puts it in the bundles' own loaders (profiles of the host code the cycles and guests run, about
     * 1.4 MB here), while the count of hidden-class loader data stays flat (asserted separately).
     */
    private static final double METASPACE_NOISE_KB = 2048;


    @Test
    void twoHundredCyclesUnloadEveryHiddenClassAndLeaveGuestsUntouched(@TempDir Path dir) throws Exception {
        LivepatchFaultsTest.prepare(dir);
        byte[] helper = CraftedPayloads.compile(Map.of("Version.java", TrampolineModeTest.WITH_HELPER), dir.resolve("helper")).get(VERSION);
        byte[] literal = LivepatchFaultsTest.versionWith(returning("-lit"));
        List<Path> payloads = List.of(payload(dir, "helper", helper), payload(dir, "lit", literal));
        List<String> shown = List.of("-tramp", "-lit");
        String expected = Files.readString(HostProcess.REPO.resolve("hv-runtime/guests/bin/counter.expected"));

        try (HostProcess host = LivepatchFaultsTest.host(dir.resolve("host"))) {
            for (Path p : payloads) {
                String name = p.getFileName().toString().replace(".hvp", "");
                assertThat(host.hvctl("livepatch", "upload", name, p.toString()).status()).isZero();
            }
            List<String> guests = new ArrayList<>();
            List<long[]> checkpoints = new ArrayList<>();
            for (int i = 0; i < CYCLES; i++) {
                if (i % 50 == 0) {
                    String guest = "counter-" + i;
                    check(host.hvctl("create", HostProcess.guestConfig(dir, guest, "counter").toString()));
                    guests.add(guest);
                }
                int which = i % 2;
                String name = which == 0 ? "helper" : "lit";
                if (i < 4 || i >= CYCLES - 2) {
                    // The first and last cycles through hvctl itself, checking what runs in between.
                    check(host.hvctl("livepatch", "apply", name));
                    assertThat(extraVersion(host)).isEqualTo(shown.get(which));
                    check(host.hvctl("livepatch", "revert", name));
                } else {
                    // The rest on the control protocol directly: hvctl's JVM start would make this suite minutes long.
                    act(host, ControlNames.Command.LIVEPATCH_APPLY, name);
                    act(host, ControlNames.Command.LIVEPATCH_REVERT, name);
                }
                if (i == 1 || (i + 1) % 50 == 0) {
                    checkpoints.add(classesAndMetaspace(host));
                }
            }
            assertThat(extraVersion(host)).isEqualTo("-hv");
            long[] first = checkpoints.get(0);
            long[] last = checkpoints.get(checkpoints.size() - 1);
            StringBuilder figures = new StringBuilder();
            for (long[] c : checkpoints) {
                figures.append(String.format(" [loaded %d, unloaded %d, metaspace %d KB, bundle hidden-class loader data %d]",
                        c[0] - c[1], c[1], c[2], c[3]));
            }
            System.out.println("trampoline unloading, " + CYCLES + " cycles, after cycle 2 then every 50:" + figures);
            // Every apply defined hidden classes and every one of them went away again.
            assertThat(last[1] - first[1]).as("classes unloaded over the cycles").isGreaterThanOrEqualTo(CYCLES - 2);
            assertThat(last[0] - last[1]).as("classes loaded after the last cycle").isLessThanOrEqualTo(first[0] - first[1] + CLASS_NOISE);
            assertThat((double) last[2]).as("metaspace used (KB) after the last cycle").isLessThanOrEqualTo(first[2] + METASPACE_NOISE_KB);
            assertThat(last[3]).as("hidden classes of the bundles still holding metaspace").isLessThanOrEqualTo(first[3] + 2);
            for (String guest : guests) {
                await().atMost(Duration.ofSeconds(120)).until(() -> LivepatchSamplesTest.console(host, guest).equals(expected));
            }
        }
    }

    /** One request on the host's control socket, as hvctl sends it; fails the test unless the host says ok. */
    private static void act(HostProcess host, String command, String payload) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(host.socket));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel)));
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
            ControlProtocol.write(out, ControlProtocol.request(command, ControlProtocol.JSON.createObjectNode()
                    .put(ControlNames.Arg.NAME, payload)));
            out.flush();
            JsonNode response = ControlProtocol.read(in);
            assertThat(response).isNotNull();
            assertThat(response.path("ok").asBoolean()).as(command + " " + payload + ": " + response).isTrue();
        }
    }

    private static Path payload(Path dir, String name, byte[] head) throws Exception {
        ClassChange change = ClassChange.redefine(new ClassImage(LivepatchFaultsTest.versionBundle,
                LivepatchFaultsTest.versionBundleVersion, VERSION, head), Sha256.of(LivepatchFaultsTest.version));
        return CraftedPayloads.write(name, null, List.of(change), Map.of(), LivepatchFaultsTest.key, dir.resolve(name + ".hvp"));
    }

    private static void check(HostProcess.Result r) {
        assertThat(r.status()).as(r.out() + r.err()).isZero();
    }

    /**
     * After a full GC of the host: classes ever loaded, classes unloaded so far, metaspace used in KB,
     * and how many hidden classes defined in the bundles' loaders still have metaspace of their own.
     */
    private static long[] classesAndMetaspace(HostProcess host) throws Exception {
        long pid = host.process.pid();
        jdkTool("jcmd", String.valueOf(pid), "GC.run");
        String[] classes = jdkTool("jstat", "-class", String.valueOf(pid)).strip().split("\n");
        String[] gc = jdkTool("jstat", "-gc", String.valueOf(pid)).strip().split("\n");
        String[] classHead = classes[0].trim().split("\\s+");
        String[] classRow = classes[1].trim().split("\\s+");
        String[] gcHead = gc[0].trim().split("\\s+");
        String[] gcRow = gc[1].trim().split("\\s+");
        return new long[] {
                Long.parseLong(column(classHead, classRow, "Loaded")),
                Long.parseLong(column(classHead, classRow, "Unloaded")),
                Math.round(Double.parseDouble(column(gcHead, gcRow, "MU"))),
                jdkTool("jcmd", String.valueOf(pid), "VM.metaspace", "show-loaders").lines()
                        .filter(l -> l.contains("<hidden class>, loaded by instance of org.apache.felix")).count()};
    }

    /** The value under the first column headed {@code name}. */
    private static String column(String[] head, String[] row, String name) {
        for (int i = 0; i < head.length; i++) {
            if (head[i].equals(name)) {
                return row[i];
            }
        }
        throw new IllegalStateException("no column " + name + " in " + String.join(" ", head));
    }

    private static String jdkTool(String tool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", tool).toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(tool + ": " + out).isZero();
        return out;
    }
}
