package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Late microcode loading on a real host process, driven by {@code hvctl ucode}: the host's default
 * CPU (Tiger Lake-U 06-8c-01 at revision 0xb8) takes the real file of Debian's intel-microcode while
 * a guest runs. The Debian package is fetched by microcode-late-load's script; without it (no
 * network) that test is skipped with the reason.
 */
class MicrocodeLateLoadTest {
    private static final Path FETCH = Path.of("..", "microcode-late-load", "scripts", "fetch-firmware.sh").toAbsolutePath().normalize();
    private static final Path GUEST_EXPECTED = HostProcess.DIST.resolve("../../../../hv-runtime/guests/bin").normalize();

    @Test
    void debiansUpdateForTheDefaultCpuLoadsIntoARunningHostAndASecondLoadIsRefusedAsNotNewer(@TempDir Path dir) throws Exception {
        Path file = intelUcode().resolve("06-8c-01");
        int fileRevision = listedRevision(file);
        try (HostProcess host = HostProcess.start(dir)) {
            assertThat(revisions(host)).containsOnly(0xb8);
            HostProcess.Result created = host.hvctl("create", HostProcess.guestConfig("counter").toString());
            assertThat(created.status()).as(created.err()).isZero();
            // Follow its console from the start: the guest may end (and leave the domain table) before the test's last step.
            Path console = dir.resolve("counter.console");
            Process follow = host.hvctlInBackground(console, false, "console", "--follow", "counter");
            assertThat(guestRunning(host, "counter")).as("counter runs during the load").isTrue();

            HostProcess.Result load = host.hvctl("ucode", file.toString());
            assertThat(load.status()).as(load.err()).isZero();
            String date = load.out().lines().filter(l -> l.contains("(core 0): updated")).findFirst().orElseThrow().replaceAll(".*date = ", "");
            assertThat(load.out().lines().toList()).contains(
                    "microcode: CPUs 0-1 (core 0): updated from revision 0xb8 to 0x" + Integer.toHexString(fileRevision) + ", date = " + date,
                    "microcode: CPUs 2-3 (core 1): updated from revision 0xb8 to 0x" + Integer.toHexString(fileRevision) + ", date = " + date,
                    "microcode: load: updated on 2 primary CPUs with 2 siblings");
            assertThat(load.out()).containsPattern("microcode: guests paused [0-9.]+ ms \\(quiesce [0-9.]+ ms, load window [0-9.]+ ms\\)");

            JsonNode status = host.hvctl("ucode", "--status", "--json").json();
            assertThat(revisions(status)).hasSize(4).containsOnly(fileRevision);
            status.path("cpus").forEach(c -> assertThat(c.path("fms").asText()).isEqualTo("06-8c-01"));
            assertThat(host.hvctl("dmesg").out()).contains("microcode: load: updated on 2 primary CPUs with 2 siblings");

            HostProcess.Result again = host.hvctl("ucode", file.toString());
            assertThat(again.status()).isEqualTo(1);
            assertThat(again.err().strip()).isEqualTo("hvctl: error NOT_NEWER: not newer: running 0x" + Integer.toHexString(fileRevision)
                    + ", file has 0x" + Integer.toHexString(fileRevision) + "; nothing loaded (--force loads it anyway) [rule newer]");
            assertThat(revisions(host)).containsOnly(fileRevision);

            assertThat(follow.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(follow.exitValue()).isZero();
            assertThat(Files.readString(console)).isEqualTo(Files.readString(GUEST_EXPECTED.resolve("counter.expected")));
        }
    }

    @Test
    void damagedFilesEmptyAndUnrelatedDirectoriesAreRefusedWithTheReasonAndNothingIsLoaded(@TempDir Path dir) throws Exception {
        Path truncated = Files.write(dir.resolve("06-8c-01"), truncatedIntelUpdate());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path unrelated = Files.createDirectories(dir.resolve("unrelated"));
        Files.writeString(unrelated.resolve("README"), "these are not the files you are looking for\n");
        try (HostProcess host = HostProcess.start(dir)) {
            HostProcess.Result r = host.hvctl("ucode", truncated.toString());
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err().strip()).isEqualTo("hvctl: error BAD_FILE: damaged microcode: " + truncated
                    + ": update 1 at byte offset 0: total size 2048 but only 96 bytes left in the file [TRUNCATED];"
                    + " nothing loaded (re-fetch the file from the vendor's package) [rule format]");

            HostProcess.Result e = host.hvctl("ucode", empty.toString());
            assertThat(e.status()).isEqualTo(1);
            assertThat(e.err()).contains("EMPTY_DIRECTORY").contains("holds no microcode file");

            HostProcess.Result u = host.hvctl("ucode", unrelated.toString());
            assertThat(u.status()).isEqualTo(1);
            assertThat(u.err().strip()).isEqualTo("hvctl: error NO_MATCH: no file of the directory is named 06-8c-01, the only"
                    + " file Linux's late loader reads for this host's CPUs (intel-ucode/06-8c-01); 1 file skipped; nothing loaded"
                    + " [rule linux-naming]");

            HostProcess.Result list = host.hvctl("ucode", "--list", truncated.toString());
            assertThat(list.status()).isEqualTo(1);
            assertThat(list.err()).contains("error TRUNCATED").contains("byte offset 0");

            assertThat(revisions(host)).hasSize(4).containsOnly(0xb8);
        }
    }

    @Test
    void aForcedDowngradeIsLoggedTaintedAndJournaledIsReappliedAtRestartAndAChangedFileStopsTheBoot(@TempDir Path dir) throws Exception {
        Path file = intelUcode().resolve("06-8c-01");
        int fileRevision = listedRevision(file);
        String newer = "cpu-microcode-revision = 0x" + Integer.toHexString(fileRevision + 4);
        try (HostProcess host = HostProcess.start(dir, newer)) {
            awaitMicrocode(host);
            HostProcess.Result refused = host.hvctl("ucode", file.toString());
            assertThat(refused.status()).isEqualTo(1);
            assertThat(refused.err()).endsWith("nothing loaded (--force loads it anyway) [rule newer]\n");

            HostProcess.Result forced = host.hvctl("ucode", "--force", "--json", file.toString());
            assertThat(forced.status()).as(forced.err()).isZero();
            JsonNode r = forced.json();
            assertThat(r.path("forced").asBoolean()).isTrue();
            assertThat(r.path("journalRecord").asLong()).isEqualTo(1);
            assertThat(r.path("cores")).hasSize(2).allSatisfy(c -> {
                assertThat(c.path("status").asText()).isEqualTo("updated");
                assertThat(c.path("newRevision").asText()).isEqualTo("0x" + Integer.toHexString(fileRevision));
            });
            assertThat(r.path("cores").get(0).path("cpus").asText()).isEqualTo("0-1");
            assertThat(r.path("lines").toString()).contains("updated from revision 0x" + Integer.toHexString(fileRevision + 4));

            assertThat(host.hvctl("info").out()).contains("taint          : ucode-late forced");
            JsonNode taint = host.hvctl("info", "--json").json().path("taint");
            assertThat(taint).hasSize(2);
            assertThat(taint.get(1).path("flag").asText()).isEqualTo("forced");
            assertThat(taint.get(1).path("reason").asText()).isEqualTo("microcode: hvctl ucode --force late-loaded revision 0x"
                    + Integer.toHexString(fileRevision) + " from " + file);
            assertThat(host.hvctl("dmesg").out()).contains("WARNING microcode: warning: forced: loading revision 0x"
                    + Integer.toHexString(fileRevision) + " over running revision 0x" + Integer.toHexString(fileRevision + 4));
        }
        try (HostProcess host = HostProcess.start(dir, newer)) {
            awaitMicrocode(host);
            assertThat(revisions(host)).as("re-applied at boot to every pCPU").hasSize(4).containsOnly(fileRevision);
            assertThat(host.hvctl("info").out()).as("a forced load re-applied is still forced; loading at boot is not late")
                    .contains("taint          : forced\n");
        }
        Path copy;
        try (var files = Files.list(dir.resolve("state/microcode/files"))) {
            copy = files.findFirst().orElseThrow();
        }
        byte[] kept = Files.readAllBytes(copy);
        kept[4096] ^= 1;
        Files.write(copy, kept);
        HostProcess.Result boot = HostProcess.run(List.of(HostProcess.DIST.resolve("bin/hv").toString(), "host",
                HostProcess.writeConfig(dir, newer).toString()));
        assertThat(boot.status()).isEqualTo(1);
        assertThat(boot.err()).contains("microcode: the host will not start: microcode journal record 1: the loaded file "
                + file + " changed: " + copy + " has sha256 ").doesNotContain("\tat ");
    }

    @Test
    void aDirectoryLoadsOnlyTheFileLinuxReadsAndTheCliHelpAndStrictListingWork(@TempDir Path dir) throws Exception {
        Path debian = intelUcode();
        Path firmware = Files.createDirectories(dir.resolve("intel-ucode"));
        for (String name : List.of("06-8c-01", "06-8e-0c.initramfs", "06-55-04")) {
            Files.copy(debian.resolve(name), firmware.resolve(name));
        }
        Files.writeString(firmware.resolve("README"), "not microcode\n");

        HostProcess.Result help = HostProcess.run(List.of(HostProcess.DIST.resolve("bin/hvctl").toString(), "ucode", "--help"));
        assertThat(help.status()).as(help.err()).isZero();
        assertThat(help.out()).contains("hvctl ucode FILE|DIR [--force] [--timeout MS] [--verbose] [--json]", "--strict", "--list");
        HostProcess.Result strict = HostProcess.run(List.of(HostProcess.DIST.resolve("bin/hvctl").toString(), "ucode", "--list",
                "--strict", firmware.resolve("06-8c-01").toString()));
        assertThat(strict.status()).as(strict.err()).isZero();
        assertThat(strict.out()).startsWith("microcode bundle 1: " + firmware.resolve("06-8c-01"));
        HostProcess.Result usage = HostProcess.run(List.of(HostProcess.DIST.resolve("bin/hvctl").toString(), "ucode"));
        assertThat(usage.status()).isEqualTo(64);
        assertThat(usage.err().strip()).isEqualTo("hvctl: error: give FILE|DIR to load, --list FILE|DIR, or --status; see 'hvctl ucode --help'");

        try (HostProcess host = HostProcess.start(dir)) {
            awaitMicrocode(host);
            // No guest runs here: a long rendezvous timeout keeps a loaded CI machine from making this test about parking.
            HostProcess.Result load = host.hvctl("ucode", "--verbose", "--timeout", "1000", firmware.toString());
            assertThat(load.status()).as(load.err()).isZero();
            assertThat(load.out()).contains(
                    "microcode: rule linux-naming: skip: " + firmware.resolve("06-8e-0c.initramfs")
                            + ": skipped: an early-only update (Debian's *.initramfs files are loaded at boot, never late)",
                    "microcode: rule linux-naming: skip: " + firmware.resolve("README")
                            + ": skipped: not a Linux microcode file name (intel-ucode/FF-MM-SS, amd-ucode/microcode_amd*.bin)",
                    "microcode: rule linux-naming: pass: " + firmware.resolve("06-8c-01"),
                    "microcode: load: updated on 2 primary CPUs with 2 siblings");
            assertThat(host.hvctl("info").out()).contains("taint          : ucode-late\n");
        }
    }

    /** The microcode bundle publishes its commands once it has re-applied the journal: wait for them. */
    private static void awaitMicrocode(HostProcess host) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> host.hvctl("ucode", "--status").status() == 0);
    }

    @Test
    void aBadCpuIdentityInTheHostConfigStopsTheHostWithTheKeyNamed(@TempDir Path dir) throws Exception {
        Path cfg = HostProcess.writeConfig(dir, "cpu-vendor = via");
        HostProcess.Result r = HostProcess.run(List.of(HostProcess.DIST.resolve("bin/hv").toString(), "host", cfg.toString()));
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("cpu-vendor must be intel or amd, got 'via'").doesNotContain("\tat ");
    }

    /** An Intel header that promises 2048 bytes (data size 0) in a 96-byte file. */
    private static byte[] truncatedIntelUpdate() {
        ByteBuffer b = ByteBuffer.allocate(96).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x00, 1).putInt(0x04, 0xc0).putInt(0x08, 0x12012024).putInt(0x0C, 0x000806c1).putInt(0x14, 1).putInt(0x18, 0x80);
        return b.array();
    }

    private static List<Integer> revisions(HostProcess host) throws Exception {
        HostProcess.Result r = host.hvctl("ucode", "--status", "--json");
        assertThat(r.status()).as(r.err()).isZero();
        return revisions(r.json());
    }

    private static List<Integer> revisions(JsonNode status) {
        List<Integer> out = new ArrayList<>();
        status.path("cpus").forEach(c -> out.add(Integer.parseUnsignedInt(c.path("revision").asText().substring(2), 16)));
        return out;
    }

    private static boolean guestRunning(HostProcess host, String name) throws Exception {
        for (JsonNode d : host.hvctl("list", "--json").json()) {
            if (d.path("name").asText().equals(name)) return true;
        }
        return false;
    }

    /** The revision {@code hvctl ucode --list --json} reads from the file (no host needed). */
    private static int listedRevision(Path file) throws Exception {
        HostProcess.Result r = HostProcess.run(List.of(HostProcess.DIST.resolve("bin/hvctl").toString(), "ucode", "--list", file.toString(), "--json"));
        assertThat(r.status()).as(r.err()).isZero();
        String rev = r.json().path("files").get(0).path("updates").get(0).path("revision").asText();
        return Integer.parseUnsignedInt(rev.substring(2), 16);
    }

    /** Debian's intel-ucode folder, fetched (or reused) by the microcode module's script; skips the test when it cannot be had. */
    static Path intelUcode() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", FETCH.toString()).redirectErrorStream(false).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = p.waitFor(4, TimeUnit.MINUTES);
        String reason = !done ? FETCH + " did not finish in 4 minutes" : p.exitValue() != 0 ? FETCH + " failed: " + err.strip() : null;
        Path dir = null;
        if (reason == null) {
            for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("intel-microcode=")) dir = Path.of(line.substring("intel-microcode=".length()), "lib/firmware/intel-ucode");
            }
            if (dir == null || !Files.isRegularFile(dir.resolve("06-8c-01"))) reason = "Debian's intel-microcode has no 06-8c-01 here";
        }
        if (reason != null) {
            System.err.println("Skipping the real-firmware late load: " + reason);
            Assumptions.assumeTrue(false, reason);
        }
        return dir;
    }
}
