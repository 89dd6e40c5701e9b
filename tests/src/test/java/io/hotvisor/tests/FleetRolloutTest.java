package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.runtime.elf.TinyElf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.hotvisor.tests.LivepatchFaultsTest.extraVersion;
import static io.hotvisor.tests.LivepatchFaultsTest.returning;
import static io.hotvisor.tests.LivepatchFaultsTest.state;
import static io.hotvisor.tests.LivepatchFaultsTest.versionPayload;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Ansible collection of {@code deploy/ansible} (issue 20) driving three real hosts: a real
 * {@code ansible-playbook} runs the collection's {@code rollout.yml} against an inventory of three
 * host processes on this machine ({@code ansible_connection: local}, each its own socket), each with
 * a guest running, in two waves (a canary, then the other two). A good payload reaches every host
 * wave by wave and a second run changes nothing;
 * a payload the health watch reverts stops the rollout at the first wave, reverted there, with the
 * later hosts untouched. The modules' check mode and failure messages are checked with ad hoc
 * {@code ansible} runs.
 *
 * <p>The hosts boot once for the class and the scenarios run in order on them: the bad payload
 * stacks on the good one the first scenario applied. Skipped, saying why, where Ansible is not
 * installed ({@code scripts/install-guest-toolchain.sh --ansible-only}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetRolloutTest {
    static final Path COLLECTIONS = HostProcess.REPO.resolve("deploy/ansible");
    static final String[] NAMES = {"hv1", "hv2", "hv3"};
    static final Pattern RECAP = Pattern.compile("(?m)^(\\S+)\\s+:\\s+ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)");

    @TempDir
    static Path dir;
    static final Map<String, HostProcess> HOSTS = new LinkedHashMap<>();
    static Path inventory;
    static Path good;
    static String goodBuildId;

    @BeforeAll
    static void threeHostsWithAGuestEach() throws Exception {
        for (String tool : List.of("ansible-playbook", "ansible")) {
            Assumptions.assumeTrue(onPath(tool), tool + " is not on PATH: the fleet rollout tests run the real Ansible"
                    + " (scripts/install-guest-toolchain.sh --ansible-only installs it)");
        }
        LivepatchFaultsTest.prepare(dir.resolve("shared"));
        List<CompletableFuture<HostProcess>> booting = new ArrayList<>();
        for (String name : NAMES) {
            booting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return LivepatchFaultsTest.host(dir.resolve(name)); // the test key trusted, health window 2 s
                } catch (Exception e) {
                    throw new IllegalStateException("host " + name + " did not start", e);
                }
            }));
        }
        Path spinner = Files.write(dir.resolve("spinner.elf"), new TinyElf().spin().build());
        for (int i = 0; i < NAMES.length; i++) {
            HostProcess host = booting.get(i).join();
            HOSTS.put(NAMES[i], host);
            Path cfg = Files.write(dir.resolve(NAMES[i] + "-guest.cfg"), List.of("name = \"tenant\"", "kernel = \"" + spinner + "\"", "cap = 1"));
            HostProcess.Result created = host.hvctl("create", cfg.toString());
            assertThat(created.status()).as(created.err()).isZero();
        }
        good = versionPayload("fleet-fix", dir.resolve("fleet-fix.hvp"), returning("-fleet"));
        goodBuildId = buildId(good);
        inventory = writeInventory();
    }

    @AfterAll
    static void stopHosts() {
        HOSTS.values().parallelStream().forEach(h -> {
            try {
                h.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    @Order(1)
    void aGoodPayloadReachesEveryHostWaveByWaveAndASecondRunChangesNothing() throws Exception {
        Run first = playbook(good);
        assertThat(first.status()).as(first.out()).isZero();
        assertThat(count(first.out(), "PLAY [Roll a Hotvisor live patch out, wave by wave]"))
                .as("two waves: the canary, then the other two together\n%s", first.out()).isEqualTo(2);
        assertThat(first.out().indexOf("changed: [hv1]")).as(first.out()).isLessThan(first.out().indexOf("changed: [hv2]"));
        for (Map.Entry<String, HostProcess> e : HOSTS.entrySet()) {
            HostProcess host = e.getValue();
            assertThat(state(host, "fleet-fix")).as(e.getKey()).startsWith("APPLIED");
            assertThat(taints(host)).as(e.getKey()).contains("livepatch");
            assertThat(extraVersion(host)).as(e.getKey()).isEqualTo("-fleet");
            assertThat(running(host)).as(e.getKey()).containsExactly("tenant");
            assertThat(recap(first.out()).get(e.getKey())).as(e.getKey() + "\n" + first.out()).matches(r -> r[1] > 0 && r[3] == 0);
        }

        Run second = playbook(good);
        assertThat(second.status()).as(second.out()).isZero();
        Map<String, int[]> recap = recap(second.out());
        assertThat(recap).as(second.out()).containsOnlyKeys(NAMES);
        recap.forEach((host, r) -> assertThat(r[1]).as("changed on %s in the second run\n%s", host, second.out()).isZero());
        for (HostProcess host : HOSTS.values()) {
            assertThat(host.hvctl("livepatch", "list", "--json").json().path("payloads")).hasSize(1);
        }
    }

    @Test
    @Order(2)
    void checkModeChangesNothingAndFailuresCarryTheHostsErrorCode() throws Exception {
        HostProcess hv3 = HOSTS.get("hv3");
        Path probe = badPayload();
        String probeId = buildId(probe);

        AdHoc check = livepatch("hv3", true, "name=fleet-probe", "src=" + probe, "state=applied");
        assertThat(check.status()).as(check.out() + check.err()).isZero();
        assertThat(check.out()).startsWith("hv3 | CHANGED");
        assertThat(check.json().path("actions").toString()).isEqualTo("[\"upload\",\"apply\"]");
        assertThat(check.json().path("state").asText()).isEqualTo("APPLIED");
        assertThat(check.json().path("build_id").asText()).isEqualTo(probeId);
        assertThat(state(hv3, "fleet-probe")).as("check mode sent nothing").isEqualTo("absent");

        AdHoc revert = livepatch("hv3", true, "name=fleet-fix", "state=reverted");
        assertThat(revert.out()).startsWith("hv3 | CHANGED");
        assertThat(revert.json().path("actions").toString()).isEqualTo("[\"revert\"]");
        assertThat(state(hv3, "fleet-fix")).startsWith("APPLIED");

        AdHoc unknown = livepatch("hv3", false, "name=nosuch", "state=applied");
        assertFailed(unknown, "NOT_FOUND", "hvctl livepatch apply nosuch failed (hvctl exit 1): NOT_FOUND: no payload named nosuch is uploaded");
        Path garbage = Files.writeString(dir.resolve("garbage.hvp"), "not a payload\n");
        AdHoc refused = livepatch("hv3", false, "name=garbage", "src=" + garbage, "state=uploaded");
        assertFailed(refused, "BAD_PAYLOAD", "hvctl livepatch upload garbage failed (hvctl exit 1): BAD_PAYLOAD: payload garbage refused (BAD_ZIP)");
        AdHoc missing = livepatch("hv3", false, "name=missing", "src=" + dir.resolve("missing.hvp"), "state=applied");
        assertFailed(missing, "BAD_SRC", "src " + dir.resolve("missing.hvp") + ": no such file");
        AdHoc otherBuild = livepatch("hv3", false, "name=fleet-fix", "src=" + probe, "state=applied");
        assertFailed(otherBuild, "EXISTS", "payload fleet-fix on the host is another build (build-id " + goodBuildId + ")");
        assertThat(hv3.hvctl("livepatch", "list", "--json").json().path("payloads")).as("nothing uploaded").hasSize(1);
    }

    @Test
    @Order(3)
    void aPayloadTheHealthWatchRevertsStopsTheRolloutAtTheFirstWave() throws Exception {
        Path probe = badPayload();
        Run run = playbook(probe);
        assertThat(run.status()).as(run.out()).isNotZero();
        assertThat(run.out()).contains("rollout of fleet-probe stopped at hv1");
        Map<String, int[]> recap = recap(run.out());
        assertThat(recap).as(run.out()).containsOnlyKeys("hv1");
        assertThat(recap.get("hv1")[3]).isEqualTo(1);

        HostProcess hv1 = HOSTS.get("hv1");
        assertThat(state(hv1, "fleet-probe")).as(run.out()).startsWith("CHECKED HEALTH: reverted automatically")
                .contains("fleet-probe: guest time accounting drifted");
        assertThat(state(hv1, "fleet-fix")).startsWith("APPLIED");
        assertThat(taints(hv1)).contains("livepatch", "health-revert");
        assertThat(running(hv1)).containsExactly("tenant");
        for (String later : List.of("hv2", "hv3")) {
            HostProcess host = HOSTS.get(later);
            assertThat(state(host, "fleet-probe")).as(later + " never saw it").isEqualTo("absent");
            assertThat(taints(host)).as(later).doesNotContain("health-revert");
            assertThat(dir.resolve(later + "/stage/fleet-probe.hvp")).as(later + ": not even staged").doesNotExist();
        }
    }

    @Test
    @Order(4)
    void microcodeLoadsOnceAndCheckModeLoadsNothing() throws Exception {
        Path file = MicrocodeLateLoadTest.intelUcode().resolve("06-8c-01"); // skips without Debian's intel-microcode
        HostProcess hv2 = HOSTS.get("hv2");
        AdHoc check = ucode("hv2", true, "src=" + file.getParent());
        assertThat(check.out()).as(check.err()).startsWith("hv2 | CHANGED");
        assertThat(check.json().path("revision_before").toString()).isEqualTo("[\"0xb8\"]");
        assertThat(check.json().path("file").asText()).isEqualTo(file.toString());
        assertThat(ucodeRevisions(hv2)).containsOnly("0xb8");

        AdHoc load = ucode("hv2", false, "src=" + file.getParent(), "timeout=1000");
        assertThat(load.out()).as(load.err()).startsWith("hv2 | CHANGED");
        String revision = load.json().path("file_revision").asText();
        assertThat(load.json().path("revision").toString()).isEqualTo("[\"" + revision + "\"]");
        assertThat(ucodeRevisions(hv2)).containsOnly(revision);
        assertThat(taints(hv2)).contains("ucode-late");

        AdHoc again = ucode("hv2", false, "src=" + file);
        assertThat(again.out()).as(again.err()).startsWith("hv2 | SUCCESS");
        assertThat(again.json().path("msg").asText()).contains("already runs revision " + revision);
    }

    // ---- the payload the health watch reverts

    /** Stacked on the good payload: a hooks class whose health probe throws, so the watch reverts it at its first check. */
    private static Path badPayload() throws Exception {
        Path out = dir.resolve("fleet-probe.hvp");
        if (Files.exists(out)) return out;
        Map<String, byte[]> probe = CraftedPayloads.compile(Map.of("FleetProbe.java", """
                package io.hotvisor.runtime.host;

                import io.hotvisor.livepatch.api.HealthProbe;
                import io.hotvisor.livepatch.api.LivepatchHooks;

                @LivepatchHooks
                public final class FleetProbe {
                    @HealthProbe
                    public static void probe() {
                        throw new IllegalStateException("fleet-probe: guest time accounting drifted");
                    }
                }
                """), dir.resolve("probe-src"));
        return CraftedPayloads.write("fleet-probe", goodBuildId, List.of(), probe, LivepatchFaultsTest.key, out);
    }

    private static String buildId(Path payload) throws Exception {
        return new PayloadReader().inspect(Files.readAllBytes(payload)).manifest().payloadBuildId().hex();
    }

    // ---- Ansible

    record Run(int status, String out) {
    }

    record AdHoc(int status, String out, String err) {
        /** The module's result: the JSON after "HOST | STATUS => ". */
        JsonNode json() throws IOException {
            int start = out.indexOf("=> {");
            assertThat(start).as("an ad hoc result\n" + out + err).isNotNegative();
            return HostProcess.JSON.readTree(out.substring(start + 3));
        }
    }

    /** ansible-playbook hotvisor.fleet.rollout for {@code payload} over the three hosts in two waves (hv1; hv2 and hv3); output and errors together. */
    private static Run playbook(Path payload) throws Exception {
        Path log = Files.createTempFile(dir, "playbook", ".log");
        int status = ansible(List.of("ansible-playbook", "-i", inventory.toString(), "hotvisor.fleet.rollout",
                "-e", "hotvisor_payload=" + payload, "-e", "{\"hotvisor_waves\": [1, 2]}"), log, log);
        String out = Files.readString(log);
        System.out.printf("ansible-playbook rollout of %s: exit %d%n%s", payload.getFileName(), status,
                out.lines().filter(l -> RECAP.matcher(l).find()).map(l -> "  " + l + "\n").reduce("", String::concat));
        return new Run(status, out);
    }

    private static AdHoc livepatch(String host, boolean check, String... args) throws Exception {
        return adHoc(host, "hotvisor.fleet.hotvisor_livepatch", check, args);
    }

    private static AdHoc ucode(String host, boolean check, String... args) throws Exception {
        return adHoc(host, "hotvisor.fleet.hotvisor_ucode", check, args);
    }

    /** ansible HOST -m MODULE -a "ARGS hvctl=... socket=..." [--check]: the modules as an operator runs them by hand. */
    private static AdHoc adHoc(String host, String module, boolean check, String... args) throws Exception {
        HostProcess h = HOSTS.get(host);
        List<String> cmd = new ArrayList<>(List.of("ansible", "-i", inventory.toString(), host, "-m", module, "-a",
                String.join(" ", args) + " hvctl=" + HostProcess.DIST.resolve("bin/hvctl") + " socket=" + h.socket));
        if (check) cmd.add("--check");
        Path out = Files.createTempFile(dir, "adhoc", ".out"), err = Files.createTempFile(dir, "adhoc", ".err");
        int status = ansible(cmd, out, err);
        return new AdHoc(status, Files.readString(out), Files.readString(err));
    }

    private static void assertFailed(AdHoc r, String code, String message) throws IOException {
        String shown = r.out() + r.err();
        assertThat(r.status()).as(shown).isNotZero();
        assertThat(r.out()).as(shown).contains("| FAILED! =>");
        assertThat(shown).doesNotContain("Traceback").doesNotContain("MODULE FAILURE");
        assertThat(r.json().path("error_code").asText()).as(shown).isEqualTo(code);
        assertThat(r.json().path("msg").asText()).as(shown).startsWith(message);
    }

    /** Runs an Ansible command with this checkout's collection and no user configuration, in the test's folder. */
    private static int ansible(List<String> cmd, Path out, Path err) throws Exception {
        ProcessBuilder b = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = b.environment();
        env.keySet().removeIf(k -> k.startsWith("ANSIBLE_"));
        env.put("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS.toString());
        env.put("ANSIBLE_CONFIG", Files.writeString(dir.resolve("ansible.cfg"), "[defaults]\n").toString());
        env.put("ANSIBLE_LOCAL_TEMP", dir.resolve("ansible-tmp").toString());
        env.put("ANSIBLE_REMOTE_TEMP", dir.resolve("ansible-tmp").toString());
        env.put("ANSIBLE_NOCOLOR", "1");
        env.put("ANSIBLE_RETRY_FILES_ENABLED", "0");
        Process p = b.start();
        p.getOutputStream().close();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(cmd + " did not finish in 180 s:\n" + Files.readString(out) + Files.readString(err));
        }
        return p.exitValue();
    }

    /** The three hosts, local, each with its hvctl, socket and staging folder; the hosts' health window and a patient rendezvous. */
    private static Path writeInventory() throws IOException {
        StringBuilder y = new StringBuilder("hotvisor:\n  vars:\n")
                .append("    ansible_connection: local\n")
                .append("    ansible_python_interpreter: \"{{ ansible_playbook_python }}\"\n")
                .append("    hotvisor_hvctl: ").append(q(HostProcess.DIST.resolve("bin/hvctl"))).append('\n')
                .append("    hotvisor_health_window: 2\n")
                .append("    hotvisor_timeout_ms: 1000\n")
                .append("  hosts:\n");
        for (Map.Entry<String, HostProcess> e : HOSTS.entrySet()) {
            y.append("    ").append(e.getKey()).append(":\n")
                    .append("      hotvisor_socket: ").append(q(e.getValue().socket)).append('\n')
                    .append("      hotvisor_stage_dir: ").append(q(e.getValue().dir.resolve("stage"))).append('\n');
        }
        return Files.writeString(dir.resolve("inventory.yml"), y.toString(), StandardCharsets.UTF_8);
    }

    private static String q(Path p) throws IOException {
        return HostProcess.JSON.writeValueAsString(p.toString());
    }

    // ---- reading the results

    /** Each host's recap: ok, changed, unreachable, failed. */
    private static Map<String, int[]> recap(String out) {
        Map<String, int[]> r = new LinkedHashMap<>();
        Matcher m = RECAP.matcher(out);
        while (m.find()) {
            r.put(m.group(1), new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5))});
        }
        return r;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }

    private static List<String> taints(HostProcess host) throws Exception {
        List<String> flags = new ArrayList<>();
        host.hvctl("info", "--json").json().path("taint").forEach(t -> flags.add(t.path("flag").asText()));
        return flags;
    }

    private static List<String> running(HostProcess host) throws Exception {
        List<String> names = new ArrayList<>();
        host.hvctl("list", "--json").json().forEach(d -> {
            if (d.path("state").asText().equals("running")) names.add(d.path("name").asText());
        });
        return names;
    }

    private static List<String> ucodeRevisions(HostProcess host) throws Exception {
        List<String> revs = new ArrayList<>();
        host.hvctl("ucode", "--status", "--json").json().path("cpus").forEach(c -> revs.add(c.path("revision").asText()));
        return revs;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
