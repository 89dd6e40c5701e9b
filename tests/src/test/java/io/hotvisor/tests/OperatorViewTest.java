package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.hotvisor.tests.LivepatchFaultsTest.host;
import static io.hotvisor.tests.LivepatchFaultsTest.returning;
import static io.hotvisor.tests.LivepatchFaultsTest.versionPayload;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator sees of a host (issue 20) on real host processes: boot domains started from
 * {@code host.cfg} before the control socket opens, taint flags that say when and why, and the audit
 * trail of every request that changed the host (or was refused), failing closed when it cannot be
 * written or is found damaged.
 */
class OperatorViewTest {

    @BeforeAll
    static void keyAndRunningVersionClass(@TempDir Path keys) throws Exception {
        LivepatchFaultsTest.prepare(keys);
    }

    @Test
    void bootDomainsRunFromTheFirstAnswerAndOneThatCannotStartIsReportedWhileTheRestStart(@TempDir Path dir) throws Exception {
        Path a = HostProcess.guestConfig(dir, "boot-a", "counter", "cap = 1");
        Path broken = Files.writeString(dir.resolve("broken.cfg"), "name = \"boot-broken\"\nkernel = \"missing.elf\"\n");
        Path b = HostProcess.guestConfig(dir, "boot-b", "counter", "cap = 1");
        try (HostProcess host = host(dir.resolve("host"), "boot-domains = " + a + ", " + broken + ", " + b)) {
            // HostProcess.start's first request was "info": the domains were there before the socket opened.
            List<String> names = new ArrayList<>();
            host.hvctl("list", "--json").json().forEach(d -> names.add(d.path("name").asText()));
            assertThat(names).contains("boot-a", "boot-b").doesNotContain("boot-broken");

            JsonNode boot = host.hvctl("info", "--json").json().path("bootDomains");
            assertThat(boot).hasSize(3);
            assertThat(boot.get(0).path("started").asBoolean()).isTrue();
            assertThat(boot.get(1).path("started").asBoolean()).isFalse();
            assertThat(boot.get(1).path("domain").asText()).isEqualTo("boot-broken");
            assertThat(boot.get(1).path("reason").asText()).contains("missing.elf").contains("does not exist");
            assertThat(boot.get(2).path("started").asBoolean()).isTrue();
            assertThat(host.hvctl("info").out()).contains("boot domain    : boot-broken FAILED");
        }
    }

    @Test
    void taintFlagsAndTheAuditTrailSayWhatChangedTheHostWhoDidItAndWhy(@TempDir Path dir) throws Exception {
        Path payload = versionPayload("fix", dir.resolve("fix.hvp"), returning("-fixed"));
        try (HostProcess host = host(dir.resolve("host"))) {
            assertThat(taints(host)).isEmpty();
            Instant start = Instant.now();
            assertThat(host.hvctl("livepatch", "upload", "fix", payload.toString()).status()).isZero();
            assertThat(host.hvctl("livepatch", "apply", "nosuch").status()).isEqualTo(1);
            HostProcess.Result apply = host.hvctl("livepatch", "apply", "fix", "--nodeps");
            assertThat(apply.status()).as(apply.err()).isZero();

            assertThat(taints(host)).containsExactly("livepatch", "forced");
            String info = host.hvctl("info").out();
            assertThat(info).contains("taint          : livepatch forced").contains("apply fix").contains("--nodeps");

            JsonNode records = host.hvctl("audit", "--json").json().path("records");
            assertThat(records).hasSize(3);
            JsonNode upload = records.get(0);
            JsonNode refused = records.get(1);
            JsonNode applied = records.get(2);
            assertThat(upload.path("command").asText()).isEqualTo("livepatch.upload");
            assertThat(upload.path("args").path("name").asText()).isEqualTo("fix");
            assertThat(upload.path("args").has("payload")).as("payload bytes are never recorded").isFalse();
            String buildId = upload.path("args").path("buildId").asText();
            assertThat(buildId).hasSize(64);
            assertThat(refused.path("outcome").asText()).isEqualTo("NOT_FOUND");
            assertThat(refused.path("args").path("name").asText()).isEqualTo("nosuch");
            assertThat(applied.path("command").asText()).isEqualTo("livepatch.apply");
            assertThat(applied.path("outcome").asText()).isEqualTo("ok");
            assertThat(applied.path("args").path("buildId").asText()).isEqualTo(buildId);
            assertThat(applied.path("args").path("nodeps").asText()).isEqualTo("true");
            assertThat(applied.path("user").asText()).isEqualTo(System.getProperty("user.name"));
            assertThat(applied.path("pid").asLong()).isPositive();
            assertThat(applied.path("pid-verified").asBoolean()).isTrue();
            assertThat(Instant.parse(applied.path("time").asText())).isAfterOrEqualTo(start.minusSeconds(1));
            // Reads are not recorded; --since narrows.
            assertThat(host.hvctl("audit", "--json", "--since", Instant.now().plusSeconds(60).toString()).json().path("records")).isEmpty();
            assertThat(host.hvctl("audit", "--since", "1h").out()).contains("livepatch.apply").contains("buildId=" + buildId);
            assertThat(host.hvctl("audit", "--since", "yesterday").status()).isEqualTo(64);
        }
    }

    @Test
    void anAuditTrailThatCannotBeWrittenRefusesEveryChangeAndADamagedOneIsKeptAndReported(@TempDir Path dir) throws Exception {
        Path hostDir = dir.resolve("host");
        Files.createDirectories(hostDir.resolve("state/audit.jsonl")); // a directory where the trail belongs
        try (HostProcess host = host(hostDir)) {
            HostProcess.Result create = host.hvctl("create", HostProcess.guestConfig(dir, "g", "counter", "cap = 1").toString());
            assertThat(create.status()).isEqualTo(1);
            assertThat(create.err()).contains("AUDIT_UNAVAILABLE").contains("nothing that changes the host runs unaudited");
            assertThat(host.hvctl("list", "--json").json()).isEmpty();
            assertThat(taints(host)).containsExactly("degraded");
            assertThat(host.hvctl("info").status()).isZero(); // reads still answer
        }
        Files.delete(hostDir.resolve("state/audit.jsonl"));
        try (HostProcess host = host(hostDir)) {
            assertThat(host.hvctl("pause", "nosuch").status()).isEqualTo(1);
            assertThat(host.hvctl("pause", "nosuch2").status()).isEqualTo(1);
        }
        Path trail = hostDir.resolve("state/audit.jsonl");
        byte[] bytes = Files.readAllBytes(trail);
        bytes[10] ^= 0x01; // inside the first record: damage, not a torn tail
        Files.write(trail, bytes);
        try (HostProcess host = host(hostDir)) {
            assertThat(taints(host)).containsExactly("degraded");
            assertThat(host.hvctl("info", "--json").json().path("taint").get(0).path("reason").asText())
                    .contains("audit trail was damaged at line 1").contains("audit.jsonl.damaged-1");
            assertThat(Files.readAllBytes(hostDir.resolve("state/audit.jsonl.damaged-1"))).isEqualTo(bytes);
            assertThat(host.hvctl("pause", "nosuch3").status()).isEqualTo(1);
            JsonNode records = host.hvctl("audit", "--json").json().path("records");
            assertThat(records).hasSize(1);
            assertThat(records.get(0).path("seq").asLong()).isEqualTo(1);
        }
    }

    private static List<String> taints(HostProcess host) throws Exception {
        List<String> flags = new ArrayList<>();
        host.hvctl("info", "--json").json().path("taint").forEach(t -> flags.add(t.path("flag").asText()));
        return flags;
    }
}
