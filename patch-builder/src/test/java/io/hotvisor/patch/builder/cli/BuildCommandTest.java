package io.hotvisor.patch.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.patch.format.sign.KeyFiles;
import io.hotvisor.patch.format.sign.SigningKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hvpatch build} end to end on a repository made in the test: outputs, exit codes, messages. */
class BuildCommandTest {
    @TempDir
    static Path work;
    static Path repo;
    static Path target;
    static Path key;
    static String base;

    record Run(int status, String out, String err) {
    }

    @BeforeAll
    static void setUp() throws Exception {
        var demo = io.hotvisor.patch.builder.DemoRepoAccess.create(work.resolve("repo"));
        repo = work.resolve("repo");
        target = io.hotvisor.patch.builder.DemoRepoAccess.buildInfo(demo, work);
        base = io.hotvisor.patch.builder.DemoRepoAccess.base(demo);
        key = KeyFiles.write(Files.createDirectories(work.resolve("keys")), "dev", SigningKey.generate());
        Files.writeString(work.resolve("fix.diff"), """
                --- a/core/src/main/java/demo/Scheduler.java
                +++ b/core/src/main/java/demo/Scheduler.java
                @@ -10,3 +10,3 @@ public class Scheduler {
                         credit += n;
                -        return n + 1;
                +        return n + 2;
                     }
                """);
        Files.writeString(work.resolve("stale.diff"), """
                --- a/core/src/main/java/demo/Scheduler.java
                +++ b/core/src/main/java/demo/Scheduler.java
                @@ -10,3 +10,3 @@ public class Scheduler {
                         credit += n;
                -        return n + 7;
                +        return n + 2;
                     }
                """);
    }

    private static Run hvpatch(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("build", "--repo", repo.toString(), "--base", base, "--target", target.toString(),
                "--cache", work.resolve("cache").toString(), "--name", "fix"));
        all.addAll(List.of(args));
        CommandLine cl = HvpatchMain.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(all.toArray(String[]::new));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void diffBuildsASignedPayloadWithProgressAndTheSameBytesTwice() throws Exception {
        Path out1 = work.resolve("a.hvp");
        Path out2 = work.resolve("b.hvp");
        Run run = hvpatch("--diff", work.resolve("fix.diff").toString(), "--key", key.toString(), "-o", out1.toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).contains("[1/6] reading revisions ... done (").contains("[6/6] writing payload ... done (");
        assertThat(run.out()).contains("redefine: demo.Scheduler", "method changed: int tick(int)", "wrote " + out1);
        assertThat(hvpatch("--diff", work.resolve("fix.diff").toString(), "--key", key.toString(), "-o", out2.toString()).status()).isZero();
        assertThat(Files.readAllBytes(out2)).isEqualTo(Files.readAllBytes(out1));
        Run verify = run(HvpatchMain.commandLine(), "verify", out1.toString(), "--trust", key.getParent().toString());
        assertThat(verify.status()).as(verify.err() + verify.out()).isZero();
    }

    @Test
    void diffThatDoesNotApplyIsOneErrorNamingTheFileAndNoOutput() {
        Path out = work.resolve("stale.hvp");
        Run run = hvpatch("--diff", work.resolve("stale.diff").toString(), "--key", key.toString(), "-o", out.toString());
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("hvpatch: error: ").contains("stale.diff does not apply").contains("Scheduler.java")
                .doesNotContain("at io.hotvisor");
        assertThat(out).doesNotExist();
    }

    @Test
    void unknownRevisionIsOneErrorLine() {
        Run run = hvpatch("--head", "no-such-branch", "--dry-run");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err().strip().lines().reduce((a, b) -> b).orElseThrow())
                .isEqualTo("hvpatch: error: revision 'no-such-branch' does not exist in " + repo
                        + " (try 'git log --oneline' for the commits it has)");
    }

    @Test
    void unreadableKeyIsAnErrorBeforeAnyWork() throws Exception {
        Path bad = Files.writeString(work.resolve("bad.key"), "not a key");
        Run run = hvpatch("--head", "main", "--key", bad.toString(), "-o", work.resolve("k.hvp").toString());
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).startsWith("hvpatch: error: --key ").doesNotContain("[1/6]");
    }

    @Test
    void sameRevisionTwiceIsNothingToPatchInJson() {
        Run run = hvpatch("--head", base, "--dry-run", "--json");
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.out()).contains("\"error\" : \"NOTHING_TO_PATCH\"");
    }

    @Test
    void compilerMismatchIsRefusedUnlessForced() throws Exception {
        Path other = work.resolve("other-javac.json");
        Files.writeString(other, Files.readString(target).replace("\"javac-version\" : \"" + Runtime.version() + "\"",
                "\"javac-version\" : \"17.0.1\""));
        Run run = hvpatch("--head", base, "--dry-run");
        Run refused = run(HvpatchMain.commandLine(), "build", "--repo", repo.toString(), "--base", base, "--head", base,
                "--target", other.toString(), "--name", "fix", "--dry-run");
        assertThat(refused.status()).isEqualTo(2);
        assertThat(refused.err()).contains("javac 17.0.1").contains("javac " + Runtime.version()).contains("--force-compiler");
        assertThat(run.status()).isEqualTo(1);
    }

    private static Run run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(args);
        return new Run(status, out.toString(), err.toString());
    }
}
