package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real host process driven only through hvctl processes and its control socket. */
class HostControlTest {
    @Test
    void operatorCreatesListsPausesDestroysAndReadsConsolesThenShutsTheHostDown(@TempDir Path dir) throws Exception {
        try (HostProcess host = HostProcess.start(dir)) {
            // Capped at 1% of a pCPU, the guests outlive the test's own steps, even with each hvctl
            // start taking seconds on a loaded machine (primes, 29 million instructions since its
            // page-thrashing fix, is too short-lived to be among them).
            for (String g : List.of("counter", "sha256")) {
                HostProcess.Result r = host.hvctl("create", HostProcess.guestConfig(dir, g, g, "cap = 1").toString());
                assertThat(r.status()).as(r.err()).isZero();
                assertThat(r.out()).startsWith("created " + g);
            }
            JsonNode list = host.hvctl("list", "--json").json();
            List<String> names = new ArrayList<>();
            list.forEach(d -> names.add(d.path("name").asText()));
            assertThat(names).containsExactly("counter", "sha256");

            await().atMost(Duration.ofSeconds(60)).until(() -> host.hvctl("console", "counter").out().startsWith("counter: 1\n"));
            HostProcess.Result paused = host.hvctl("pause", "counter");
            assertThat(paused.status()).as(paused.err()).isZero();
            JsonNode row = find(host.hvctl("list", "--json").json(), "counter");
            assertThat(row.path("state").asText()).isEqualTo("paused");

            HostProcess.Result console = host.hvctl("console", "counter");
            assertThat(console.status()).isZero();
            assertThat(console.out()).startsWith("counter: 1\n");

            assertThat(host.hvctl("destroy", "counter").status()).isZero();
            assertThat(find(host.hvctl("list", "--json").json(), "counter")).isNull();

            HostProcess.Result missing = host.hvctl("pause", "counter");
            assertThat(missing.status()).isEqualTo(1);
            assertThat(missing.err().strip()).isEqualTo("hvctl: error NOT_FOUND: no domain named or numbered 'counter'; 'hvctl list' shows them");

            assertThat(host.hvctl("dmesg").out()).contains("d1 counter destroyed");
            assertThat(host.hvctl("shutdown").status()).isZero();
            assertThat(host.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(host.process.exitValue()).isZero();
        }
    }

    @Test
    void consoleFollowStreamsUntilTheGuestShutsDown(@TempDir Path dir) throws Exception {
        try (HostProcess host = HostProcess.start(dir)) {
            // Capped, so that the guest still runs when hvctl (a JVM start) attaches to its console.
            assertThat(host.hvctl("create", HostProcess.guestConfig(dir, "counter", "counter", "cap = 10").toString()).status()).isZero();
            HostProcess.Result follow = host.hvctl("console", "--follow", "counter");
            assertThat(follow.status()).isZero();
            assertThat(follow.out()).isEqualTo(Files.readString(HostProcess.DIST.resolve("../../../../hv-runtime/guests/bin/counter.expected")));
        }
    }

    @Test
    void infoShowsAStableBuildIdAndTheBundles(@TempDir Path dir) throws Exception {
        String first;
        try (HostProcess host = HostProcess.start(dir)) {
            JsonNode info = host.hvctl("info", "--json").json();
            first = info.path("buildId").asText();
            assertThat(first).matches("[0-9a-f]{64}");
            List<String> bundles = new ArrayList<>();
            info.path("bundles").forEach(b -> bundles.add(b.path("symbolicName").asText() + " " + b.path("version").asText()));
            assertThat(bundles).contains("io.hotvisor.runtime.cpu 0.1.0", "io.hotvisor.runtime.sched 0.1.0",
                    "io.hotvisor.runtime.domain 0.1.0", "io.hotvisor.runtime.sbi 0.1.0", "io.hotvisor.runtime.console 0.1.0",
                    "io.hotvisor.runtime.control 0.1.0", "io.hotvisor.host 0.1.0");
        }
        try (HostProcess again = HostProcess.start(dir)) {
            JsonNode info = again.hvctl("info", "--json").json();
            assertThat(info.path("buildId").asText()).isEqualTo(first);
            // The distribution's build-info (what hvpatch build targets) describes exactly this build.
            assertThat(info.path("buildInfo").path("build-id").asText()).isEqualTo(first);
        }
    }

    @Test
    void changingOneHypervisorClassChangesTheBuildId(@TempDir Path dir) throws Exception {
        String original;
        try (HostProcess host = HostProcess.start(dir.resolve("a"))) {
            original = host.hvctl("info", "--json").json().path("buildId").asText();
        }
        // Copy the bundles, and in the control bundle change Version's extra version "-hv" to "-hw":
        // the same length, so the class file stays valid.
        Path bundles = Files.createDirectories(dir.resolve("bundles"));
        try (var jars = Files.list(HostProcess.DIST.resolve("bundles"))) {
            for (Path jar : jars.toList()) {
                Path copy = bundles.resolve(jar.getFileName());
                if (jar.getFileName().toString().startsWith("bundle-control")) {
                    rewriteEntry(jar, copy, "io/hotvisor/runtime/host/Version.class", "-hv", "-hw");
                } else {
                    Files.copy(jar, copy);
                }
            }
        }
        try (HostProcess changed = HostProcess.start(dir.resolve("b"), "bundles-dir = " + bundles)) {
            JsonNode info = changed.hvctl("info", "--json").json();
            assertThat(info.path("extraVersion").asText()).isEqualTo("-hw");
            assertThat(info.path("buildId").asText()).isNotEqualTo(original).matches("[0-9a-f]{64}");
            assertThat(info.path("buildInfo").isNull() || info.path("buildInfo").isMissingNode()).isTrue();
        }
    }

    private static void rewriteEntry(Path from, Path to, String entry, String oldText, String newText) throws Exception {
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(from));
             var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(to))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] bytes = in.readAllBytes();
                if (e.getName().equals(entry)) {
                    String latin = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertThat(latin).contains(oldText);
                    bytes = latin.replace(oldText, newText).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                }
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                out.write(bytes);
                out.closeEntry();
            }
        }
    }

    @Test
    void secondHostOnTheSameStateDirectoryIsRefused(@TempDir Path dir) throws Exception {
        try (HostProcess host = HostProcess.start(dir)) {
            Path cfg = dir.resolve("etc/host.cfg");
            HostProcess.Result second = HostProcess.run(List.of(HostProcess.DIST.resolve("bin/hv").toString(), "host", cfg.toString()));
            assertThat(second.status()).isEqualTo(1);
            assertThat(second.err()).contains("is held by another running host (pid " + host.process.pid() + ")");
            assertThat(host.hvctl("info").status()).isZero();
        }
    }

    @Test
    void configWithAnUnknownKeyIsRefusedWithItsLine(@TempDir Path dir) throws Exception {
        Path cfg = HostProcess.writeConfig(dir, "frobnicate = yes");
        HostProcess.Result r = HostProcess.run(List.of(HostProcess.DIST.resolve("bin/hv").toString(), "host", cfg.toString()));
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("host.cfg:6: unknown key 'frobnicate'").doesNotContain("\tat ");
    }

    @Test
    void guestConfigWithAMissingKernelIsRefusedAndTheHostStaysUp(@TempDir Path dir) throws Exception {
        try (HostProcess host = HostProcess.start(dir)) {
            Path cfg = Files.writeString(dir.resolve("bad.cfg"), "name = \"bad\"\nkernel = \"nowhere.elf\"\n");
            HostProcess.Result r = host.hvctl("create", cfg.toString());
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).contains("kernel").contains("nowhere.elf does not exist");
            Path text = Files.writeString(dir.resolve("text.elf"), "not an elf, just text that is long enough to have a header......");
            Path cfg2 = Files.writeString(dir.resolve("text.cfg"), "name = \"text\"\nkernel = \"text.elf\"\n");
            HostProcess.Result r2 = host.hvctl("create", cfg2.toString());
            assertThat(r2.status()).isEqualTo(1);
            assertThat(r2.err()).contains("BAD_IMAGE").contains("not an ELF file");
            assertThat(host.hvctl("info").status()).isZero();
        }
    }

    @Test
    void noHostAtTheSocketIsExitThreeWithOneLine(@TempDir Path dir) throws Exception {
        HostProcess.Result r = HostProcess.run(List.of(HostProcess.DIST.resolve("bin/hvctl").toString(), "--socket",
                dir.resolve("none.sock").toString(), "list"));
        assertThat(r.status()).isEqualTo(3);
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    private static JsonNode find(JsonNode list, String name) {
        for (JsonNode d : list) if (d.path("name").asText().equals(name)) return d;
        return null;
    }

    static void awaitDomainGone(HostProcess host, String name) {
        await().atMost(Duration.ofSeconds(60)).until(() -> find(host.hvctl("list", "--json").json(), name) == null);
    }
}
