package io.hotvisor.patch.format.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.Requirement;
import io.hotvisor.patch.format.payload.BundleChange;
import io.hotvisor.patch.format.payload.Fixtures;
import io.hotvisor.patch.format.payload.PayloadWriter;
import io.hotvisor.patch.format.sign.KeyFiles;
import io.hotvisor.patch.format.sign.SigningKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End to end on real files: keygen, a payload from the writer, inspect, verify, tamper, refuse. */
class HvpatchCliTest {
    @TempDir
    Path dir;

    private Path keys;
    private Path payload;
    private SigningKey key;

    /** One run of hvpatch, in process, with its exit status and both output streams. */
    private record Run(int status, String out, String err) {
    }

    private static Run hvpatch(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    private static Run hvpatch(String... args) {
        return hvpatch(Hvpatch.commandLine(), args);
    }

    private static void assertOneErrorLine(Run run, String containing) {
        assertEquals(1, run.err().lines().count(), run.err());
        // One contract for every tool: "TOOL: error CODE: message" (a usage error has no code).
        assertTrue(run.err().matches("(?s)hvpatch: error( [A-Z_]+)?: .*"), run.err());
        assertTrue(run.err().contains(containing), run.err());
    }

    @BeforeEach
    void keygenAndWrite() throws Exception {
        keys = dir.resolve("keys");
        Run keygen = hvpatch("keygen", "--out", keys.toString(), "--name", "release");
        assertEquals(0, keygen.status(), keygen.err());
        key = KeyFiles.readSigningKey(keys.resolve("release.key"));
        assertTrue(keygen.out().contains(key.keyId().text()), keygen.out());
        payload = dir.resolve("fix-1.hvp");
        PayloadWriter.write(Fixtures.draft("fix-1", 2), key, payload);
    }

    @Test
    void verifyAcceptsAPayloadSignedByATrustedKey() {
        Run run = hvpatch("verify", payload.toString(), "--trust", keys.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("OK: fix-1 is valid, signed by trusted key " + key.keyId()), run.out());
        assertEquals("", run.err());
    }

    @Test
    void verifyJsonReportsTheManifest() throws Exception {
        Run run = hvpatch("verify", payload.toString(), "--trust", keys.toString(), "--json");
        assertEquals(0, run.status(), run.err());
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals("ok", json.get("status").asText());
        assertTrue(json.get("signature").get("verified").asBoolean());
        assertEquals("fix-1", json.get("manifest").get("name").asText());
        assertEquals(3, json.get("manifest").get("classes").size());
    }

    @Test
    void inspectShowsClassesHooksAndAnUnverifiedSignature() {
        Run run = hvpatch("inspect", payload.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("payload           fix-1 (format 1.0, livepatch)"), run.out());
        assertTrue(run.out().contains("io.hotvisor.runtime.sched.Credit2$Part1"), run.out());
        assertTrue(run.out().contains("pre-apply"), run.out());
        assertTrue(run.out().contains("not verified"), run.out());
        assertTrue(run.out().contains("Fix the credit2 slice accounting."), run.out());
    }

    @Test
    void inspectJsonOfALivepatchHasNoBundles() throws Exception {
        JsonNode json = new ObjectMapper().readTree(hvpatch("inspect", payload.toString(), "--json").out());
        assertThat(json.has("bundles")).isFalse();
        assertThat(json.get("manifest").has("bundles")).isFalse();
        assertThat(json.get("requires")).isEmpty();
        assertThat(json.get("manifest").has("requires")).isFalse();
        assertThat(hvpatch("inspect", payload.toString()).out()).doesNotContain("requires");
    }

    @Test
    void inspectAndVerifyShowWhatAPayloadRequiresOfTheHost() throws Exception {
        Path file = dir.resolve("tramp.hvp");
        PayloadWriter.write(Fixtures.draft("tramp", 2).withRequires(java.util.Set.of(Requirement.TRAMPOLINE)), key, file);
        Run run = hvpatch("inspect", file.toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("payload           tramp (format 1.2, livepatch)\n"
                + "requires          trampoline (a host with livepatch-mechanism = trampoline: it adds methods a redefinition cannot)\n");
        JsonNode json = new ObjectMapper().readTree(hvpatch("inspect", file.toString(), "--json").out());
        assertThat(json.get("requires").toString()).isEqualTo("[\"trampoline\"]");
        assertThat(json.get("manifest").get("requires").toString()).isEqualTo("[\"trampoline\"]");
        assertThat(hvpatch("verify", file.toString(), "--trust", keys.toString()).out())
                .contains("\n    requires trampoline (a host with livepatch-mechanism = trampoline");
    }

    private Path bundleUpdate() throws Exception {
        Path file = dir.resolve("update-1.hvp");
        PayloadWriter.write(Fixtures.bundleDraft("update-1"), key, file);
        return file;
    }

    @Test
    void inspectShowsABundleUpdatesKindAndOneLinePerBundle() throws Exception {
        BundleChange sched = Fixtures.schedChange();
        Run run = hvpatch("inspect", bundleUpdate().toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("payload           update-1 (format 1.1, bundle-update)\n", "bundles           2\n",
                "\n  bundle io.hotvisor.console 1.2 -> 1.10.0 (",
                "\n  bundle io.hotvisor.sched 0.1.0 -> 0.1.0.u1 (" + sched.jar().length + " bytes, sha256 "
                        + Sha256.of(sched.jar()) + ")\n");
        assertThat(run.out()).doesNotContain("classes", "hooks");
    }

    @Test
    void inspectJsonListsTheBundlesWithTheirJarEntriesAndSizes() throws Exception {
        BundleChange sched = Fixtures.schedChange();
        JsonNode json = new ObjectMapper().readTree(hvpatch("inspect", bundleUpdate().toString(), "--json").out());
        assertThat(json.get("manifest").get("kind").asText()).isEqualTo("bundle-update");
        assertThat(json.get("manifest").get("bundles")).hasSize(2);
        JsonNode second = json.get("bundles").get(1);
        assertThat(second.get("bundle").asText()).isEqualTo("io.hotvisor.sched");
        assertThat(second.get("from-version").asText()).isEqualTo("0.1.0");
        assertThat(second.get("to-version").asText()).isEqualTo("0.1.0.u1");
        assertThat(second.get("entry").asText()).isEqualTo("bundles/io.hotvisor.sched_0.1.0.u1.jar");
        assertThat(second.get("bytes").asInt()).isEqualTo(sched.jar().length);
        assertThat(second.get("sha256").asText()).isEqualTo(Sha256.of(sched.jar()).hex());
    }

    @Test
    void verifyOfABundleUpdateCountsItsBundles() throws Exception {
        Run run = hvpatch("verify", bundleUpdate().toString(), "--trust", keys.toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("OK: update-1 is valid").contains(", 2 bundles\n");
    }

    @Test
    void inspectJsonSaysTheSignatureWasNotVerified() throws Exception {
        Run run = hvpatch("inspect", payload.toString(), "--json");
        assertEquals(0, run.status(), run.err());
        assertFalse(new ObjectMapper().readTree(run.out()).get("signature").get("verified").asBoolean());
    }

    @Test
    void verifyRefusesATamperedPayloadWithOneLineAndExit1() throws Exception {
        Files.write(payload, Fixtures.tamperFirstClass(Files.readAllBytes(payload)));
        Run run = hvpatch("verify", payload.toString(), "--trust", keys.toString());
        assertEquals(1, run.status());
        assertOneErrorLine(run, "do not use it");
        assertEquals("", run.out());
        assertEquals(1, hvpatch("inspect", payload.toString()).status());
    }

    @Test
    void verifyJsonRefusalCarriesTheErrorCode() throws Exception {
        Files.write(payload, Fixtures.tamperFirstClass(Files.readAllBytes(payload)));
        Run run = hvpatch("verify", payload.toString(), "--trust", keys.toString(), "--json");
        assertEquals(1, run.status());
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals("refused", json.get("status").asText());
        assertEquals("DIGEST_MISMATCH", json.get("error").asText());
    }

    @Test
    void verifyRefusesAKeyOutsideTheTrustDirectory() throws Exception {
        Path otherKeys = dir.resolve("other");
        assertEquals(0, hvpatch("keygen", "--out", otherKeys.toString()).status());
        Run run = hvpatch("verify", payload.toString(), "--trust", otherKeys.toString());
        assertEquals(1, run.status());
        assertOneErrorLine(run, key.keyId().text());
    }

    @Test
    void aMissingOptionIsAUsageErrorWithExit2() {
        Run run = hvpatch("verify", payload.toString());
        assertEquals(2, run.status());
        assertOneErrorLine(run, "--trust");
    }

    @Test
    void aMissingTrustDirectoryIsExit2() {
        Run run = hvpatch("verify", payload.toString(), "--trust", dir.resolve("nope").toString());
        assertEquals(2, run.status());
        assertOneErrorLine(run, "trust directory");
    }

    @Test
    void aMissingPayloadFileIsExit2() {
        Run run = hvpatch("inspect", dir.resolve("nope.hvp").toString());
        assertEquals(2, run.status());
        assertOneErrorLine(run, "does not exist");
    }

    @Test
    void noSubcommandIsAUsageError() {
        assertEquals(2, hvpatch().status());
    }

    @Test
    void debugAddsTheStackTrace() throws Exception {
        Files.write(payload, Fixtures.tamperFirstClass(Files.readAllBytes(payload)));
        Run run = hvpatch("--debug", "verify", payload.toString(), "--trust", keys.toString());
        assertEquals(1, run.status());
        assertTrue(run.err().matches("(?s)hvpatch: error [A-Z_]+: .*"), run.err());
        assertTrue(run.err().contains("at io.hotvisor.patch.format.payload.PayloadReader"), run.err());
    }

    @Test
    void keygenRefusesToOverwriteAKey() {
        Run run = hvpatch("keygen", "--out", keys.toString(), "--name", "release");
        assertEquals(2, run.status());
        assertOneErrorLine(run, "already exists");
    }

    @Test
    void keygenRefusesANameThatIsAPath() {
        Run run = hvpatch("keygen", "--out", keys.toString(), "--name", "../x");
        assertEquals(2, run.status());
        assertOneErrorLine(run, "--name");
    }

    @Command(name = "build")
    static final class BuildStub implements Callable<Integer> {
        @Override
        public Integer call() {
            return 0;
        }
    }

    @Test
    void anotherModuleCanAddASubcommand() {
        CommandLine cl = Hvpatch.commandLine();
        cl.addSubcommand("build", new BuildStub());
        assertEquals(0, hvpatch(cl, "build").status());
        assertTrue(hvpatch(cl, "--help").out().contains("build"));
    }
}
