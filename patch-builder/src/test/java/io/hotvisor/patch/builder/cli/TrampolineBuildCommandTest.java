package io.hotvisor.patch.builder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotvisor.patch.builder.UnifiedDiff;
import io.hotvisor.patch.format.manifest.FormatVersion;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.Requirement;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.sign.KeyFiles;
import io.hotvisor.patch.format.sign.SigningKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code hvpatch build --mechanism trampoline} on real git diffs of a repository made in the test:
 * a fix that adds a private helper, a static method and a new lambda is refused as today without
 * the flag and built with it into a format 1.2 payload that requires a trampoline; what a trampoline
 * cannot carry either stays refused; a fix a redefinition takes gives the same bytes with or
 * without the flag.
 */
class TrampolineBuildCommandTest {
    static final String SCHEDULER = "core/src/main/java/demo/Scheduler.java";
    static final String BUDGET = "core/src/main/java/demo/Budget.java";
    static final String TICK = """
                public int tick(int n) {
                    credit += n;
                    return n + 1;
                }
            """;
    /** tick through a new lambda that calls a new private method, which calls a new static method. */
    static final String TICK_WITH_HELPERS = """
                public int tick(int n) {
                    credit += n;
                    java.util.function.IntUnaryOperator step = k -> bonus(k) + 1;
                    return step.applyAsInt(n);
                }

                private int bonus(int k) {
                    return clamp(k + credit);
                }

                static int clamp(int v) {
                    return Math.min(v, LIMIT);
                }
            """;

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
    }

    private static Run hvpatch(Path buildInfo, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("build", "--repo", repo.toString(), "--base", base, "--target", buildInfo.toString(),
                "--cache", work.resolve("cache").toString(), "--name", "fix"));
        all.addAll(List.of(args));
        CommandLine cl = HvpatchMain.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(all.toArray(String[]::new));
        return new Run(status, out.toString(), err.toString());
    }

    private static Run hvpatch(String... args) {
        return hvpatch(target, args);
    }

    /** A unified diff ({@code diff -u} under a {@code diff --git} line, paths a/ and b/) of one file of the base, edited by {@code edit}. */
    private static String diff(String name, String path, UnaryOperator<String> edit) throws Exception {
        String before = Files.readString(repo.resolve(path));
        String after = edit.apply(before);
        assertThat(after).as(name + " changes " + path).isNotEqualTo(before);
        Path file = work.resolve(name + ".diff");
        // A git header, so that diffs of several files can be joined into one, as git writes them.
        Files.writeString(file, "diff --git a/" + path + " b/" + path + "\n"
                + UnifiedDiff.of(path, before, after, work.resolve("sides").resolve(name)));
        return file.toString();
    }

    private static String helpersDiff() throws Exception {
        return diff("helpers", SCHEDULER, s -> s.replace(TICK, TICK_WITH_HELPERS));
    }

    private static Manifest manifest(Path payload) throws Exception {
        return new PayloadReader().inspect(payload).manifest();
    }

    @Test
    void aHelperAndANewLambdaAreRefusedWithoutTheFlagAsTheyAlwaysWere() throws Exception {
        Run run = hvpatch("--diff", helpersDiff(), "--dry-run", "--explain");
        assertThat(run.status()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.err()).contains("refused: demo.Scheduler: lambda added: lambda$tick$0 (head line 11, in tick): a redefine cannot add a method\n")
                .contains("refused: demo.Scheduler: method added: int bonus(int)\n")
                .contains("refused: demo.Scheduler: method added: int clamp(int)\n")
                .contains("build with --mechanism trampoline, which carries")
                .contains("hvpatch: error: the change cannot be applied to a running host (3 refusals); --explain says what to do instead");
    }

    @Test
    void withTheTrampolineMechanismTheyBuildIntoAPayloadThatRequiresATrampoline() throws Exception {
        Path out = work.resolve("helpers.hvp");
        Run run = hvpatch("--diff", helpersDiff(), "--mechanism", "trampoline", "--key", key.toString(), "-o", out.toString());
        assertThat(run.status()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("redefine: demo.Scheduler\n",
                "    method changed: int tick(int)\n",
                "    method added: private int bonus(int) (carried by a trampoline)\n",
                "    method added: static int clamp(int) (carried by a trampoline)\n",
                "    lambda added: lambda$tick$0 (head line 11, in tick): carried by a trampoline\n",
                "note: requires trampoline: demo.Scheduler adds methods a redefinition cannot; the payload applies only on a host "
                        + "with livepatch-mechanism = trampoline\n",
                "note: trampoline: demo.Scheduler adds bonus(int), clamp(int), lambda$tick$0(int); whether its bundle is woven",
                "note: whole-host check: ",
                "requires: trampoline (a host with livepatch-mechanism = trampoline)\n",
                "wrote " + out);
        Manifest m = manifest(out);
        assertThat(m.formatVersion()).isEqualTo(new FormatVersion(1, 2));
        assertThat(m.requires()).containsExactly(Requirement.TRAMPOLINE);

        StringWriter text = new StringWriter();
        CommandLine inspect = HvpatchMain.commandLine();
        inspect.setOut(new PrintWriter(text));
        assertThat(inspect.execute("inspect", out.toString())).isZero();
        assertThat(text.toString()).contains("payload           fix (format 1.2, livepatch)\nrequires          trampoline (");

        JsonNode json = new ObjectMapper().readTree(hvpatch("--diff", helpersDiff(), "--mechanism", "trampoline", "--dry-run", "--json").out());
        assertThat(json.get("status").asText()).isEqualTo("ok");
        assertThat(json.get("requires").toString()).isEqualTo("[\"trampoline\"]");
        assertThat(json.get("classes").get(0).get("changes").toString()).contains("(carried by a trampoline)");
    }

    @Test
    void aFixARedefinitionTakesIsTheSamePayloadWithOrWithoutTheFlag() throws Exception {
        String fix = diff("body", SCHEDULER, s -> s.replace("return n + 1;", "return n + 2;"));
        Path plain = work.resolve("body-plain.hvp");
        Path tramp = work.resolve("body-tramp.hvp");
        assertThat(hvpatch("--diff", fix, "--key", key.toString(), "-o", plain.toString()).status()).isZero();
        Run run = hvpatch("--diff", fix, "--mechanism", "trampoline", "--key", key.toString(), "-o", tramp.toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("note: --mechanism trampoline: no class adds a method, so the payload requires nothing and "
                + "applies by either mechanism\n").doesNotContain("requires: ");
        assertThat(Files.readAllBytes(tramp)).isEqualTo(Files.readAllBytes(plain));
        assertThat(manifest(tramp).formatVersion()).isEqualTo(new FormatVersion(1, 0));
        assertThat(new ObjectMapper().readTree(hvpatch("--diff", fix, "--dry-run", "--json").out()).get("requires")).isEmpty();
    }

    @Test
    void anAddedFieldStaysRefusedWithTheFlag() throws Exception {
        Run run = hvpatch("--diff", diff("field", SCHEDULER, s -> s.replace("private int credit;", "private int credit;\n    private int spent;")),
                "--mechanism", "trampoline", "--dry-run");
        assertThat(run.status()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.err()).contains("refused: demo.Scheduler: field added: int spent\n");
    }

    @Test
    void anAddedOverridingMethodStaysRefusedWithTheFlagSayingWhy() throws Exception {
        Run run = hvpatch("--diff", diff("override", SCHEDULER, s -> s.replace(TICK, TICK + """

                    @Override
                    public String toString() {
                        return "scheduler " + credit;
                    }
                """)), "--mechanism", "trampoline", "--dry-run");
        assertThat(run.status()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.err()).contains("refused: demo.Scheduler: method added: java.lang.String toString() (a trampoline cannot carry it "
                + "either: a new non-private instance method: a trampoline cannot add a virtual method (make it private))\n");
    }

    @Test
    void aNewMethodCalledFromAnotherClassIsRefused() throws Exception {
        Path sides = work.resolve("two-files.diff");
        String scheduler = diff("two-scheduler", SCHEDULER, s -> s.replace(TICK, TICK_WITH_HELPERS));
        String budget = diff("two-budget", BUDGET, s -> s.replace("return Scheduler.LIMIT * 2;", "return Scheduler.clamp(99) * 2;"));
        Files.writeString(sides, Files.readString(Path.of(scheduler)) + Files.readString(Path.of(budget)));
        Run run = hvpatch("--diff", sides.toString(), "--mechanism", "trampoline", "--dry-run");
        assertThat(run.status()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.err()).contains("refused: demo.Budget: calls demo.Scheduler.clamp(int), which demo.Scheduler adds: a trampoline "
                + "carries a new method only for its own class's new code");
    }

    @Test
    void aBundleThatATrampolineHostDoesNotWeaveIsRefusedWhenItsJarSaysSo() throws Exception {
        Run notWoven = hvpatch(distribution("plain", false), "--diff", helpersDiff(), "--mechanism", "trampoline", "--dry-run");
        assertThat(notWoven.status()).as(notWoven.out()).isEqualTo(1);
        assertThat(notWoven.err()).contains("refused: demo.Scheduler: its bundle demo.core does not declare Hotvisor-Patchable: true, so "
                + "a trampoline host does not weave it");
        Run woven = hvpatch(distribution("patchable", true), "--diff", helpersDiff(), "--mechanism", "trampoline", "--dry-run");
        assertThat(woven.status()).as(woven.err()).isZero();
        assertThat(woven.out()).doesNotContain("cannot be told");
    }

    @Test
    void anUnknownMechanismIsAUsageError() {
        Run run = hvpatch("--head", "main", "--mechanism", "retransform", "--dry-run");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("'retransform' is not a livepatch mechanism (redefine or trampoline)");
    }

    /** The target's build-info with the bundle's jar beside it in bundles/, its manifest declaring Hotvisor-Patchable or not. */
    private static Path distribution(String name, boolean patchable) throws Exception {
        Path dist = Files.createDirectories(work.resolve("dist-" + name).resolve("bundles")).getParent();
        Files.copy(target, dist.resolve("build-info.json"));
        java.util.jar.Manifest mf = new java.util.jar.Manifest();
        Attributes main = mf.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-SymbolicName", "demo.core");
        main.putValue("Bundle-Version", "1.0.0");
        if (patchable) {
            main.putValue("Hotvisor-Patchable", "true");
        }
        try (JarFile in = new JarFile(work.resolve("core.jar").toFile());
             JarOutputStream out = new JarOutputStream(Files.newOutputStream(dist.resolve("bundles/core.jar")), mf)) {
            for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                out.putNextEntry(new JarEntry(entry.getName()));
                out.write(in.getInputStream(entry).readAllBytes());
                out.closeEntry();
            }
        }
        return dist.resolve("build-info.json");
    }
}
