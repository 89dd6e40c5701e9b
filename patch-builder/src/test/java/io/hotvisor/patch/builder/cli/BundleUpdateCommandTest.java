package io.hotvisor.patch.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.patch.builder.BundleDistribution;
import io.hotvisor.patch.format.sign.KeyFiles;
import io.hotvisor.patch.format.sign.SigningKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hvpatch build --allow-bundle-update} end to end: what it prints, its exit codes, {@code --explain}. */
class BundleUpdateCommandTest {
    @TempDir
    static Path work;
    static BundleDistribution dist;
    static Path key;

    record Run(int status, String out, String err) {
    }

    @BeforeAll
    static void setUp() throws Exception {
        dist = BundleDistribution.create(work);
        key = KeyFiles.write(Files.createDirectories(work.resolve("keys")), "dev", SigningKey.generate());
        dist.change("field-added", Map.of(BundleDistribution.CREDIT, BundleDistribution.BASE_CREDIT
                .replace("    private int credit;\n", "    private int credit;\n    int boost;\n")));
        dist.change("hart-field", Map.of(BundleDistribution.HART, BundleDistribution.BASE_HART
                .replace("    private long pc;\n", "    private long pc;\n    long cycles;\n")));
    }

    private static Run hvpatch(Path target, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("build", "--repo", dist.repo().toString(), "--base", dist.base(),
                "--target", target.toString(), "--cache", work.resolve("cache").toString(), "--name", "sched-boost"));
        all.addAll(List.of(args));
        CommandLine cl = HvpatchMain.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(all.toArray(String[]::new));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void bundleUpdatePrintsTheRefusalsAsNotesThenOneLinePerBundleThenWhatItWrote() throws Exception {
        Path out = work.resolve("boost.hvp");
        Run run = hvpatch(dist.target(), "--head", "field-added", "--allow-bundle-update", "--key", key.toString(), "-o", out.toString());
        assertThat(run.status()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("note: as a redefine: refused: demo.sched.Credit: field added: int boost");
        assertThat(lines.get(1)).matches("bundle-update: demo\\.sched 1\\.0\\.0 -> 1\\.0\\.0\\.u[0-9a-f]{8} "
                + "\\(1 class changed, 0 added, 0 removed\\)");
        assertThat(lines.get(2)).startsWith("wrote " + out + " (payload build-id ");
        assertThat(run.err()).contains("[6/6] writing bundle-update payload ... done (");
        Run verify = run(HvpatchMain.commandLine(), "verify", out.toString(), "--trust", key.getParent().toString());
        assertThat(verify.status()).as(verify.err() + verify.out()).isZero();
    }

    @Test
    void withoutTheFlagTheRefusalsExplanationSaysTheFlagWouldReplaceTheBundle() {
        Run run = hvpatch(dist.target(), "--head", "field-added", "--dry-run", "--explain");
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("refused: demo.sched.Credit: field added: int boost\n"
                + "    instead: --allow-bundle-update would build a bundle update replacing bundle demo.sched (");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void notReplaceableBundleIsNamedAndExplained() {
        Run run = hvpatch(dist.target(), "--head", "hart-field", "--dry-run", "--explain", "--allow-bundle-update");
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("not a bundle update: bundle demo.cpu 1.0.0 is not replaceable")
                .contains("instead: a bundle is replaced whole only when its manifest declares Hotvisor-Replaceable")
                .doesNotContain("--allow-bundle-update would build");
    }

    @Test
    void jsonNamesTheKindAndTheBundles() {
        Run run = hvpatch(dist.target(), "--head", "field-added", "--dry-run", "--json", "--allow-bundle-update");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"kind\" : \"bundle-update\"", "\"bundles\" : [ {", "\"bundle\" : \"demo.sched\"",
                "\"from-version\" : \"1.0.0\"", "\"changed\" : [ \"demo.sched.Credit\" ]", "\"refusals\" : [ \"field added: int boost\" ]");
    }

    @Test
    void targetWithoutItsBundleJarsExitsTwoWithOneErrorLine() throws Exception {
        Path alone = Files.createDirectories(work.resolve("hvctl-info")).resolve("info.json");
        Files.copy(dist.target(), alone);
        Run run = hvpatch(alone, "--head", "field-added", "--dry-run", "--allow-bundle-update");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err().strip().lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("hvpatch: error: --allow-bundle-update "
                + "needs the distribution's build-info.json, with the bundle jars in bundles/ beside it (an 'hvctl info --json' "
                + "target has no jars)");
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
