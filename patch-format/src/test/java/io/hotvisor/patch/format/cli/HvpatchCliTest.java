package io.hotvisor.patch.format.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
        assertTrue(run.err().startsWith("hvpatch: error: "), run.err());
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
        assertTrue(run.err().startsWith("hvpatch: error: "));
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
