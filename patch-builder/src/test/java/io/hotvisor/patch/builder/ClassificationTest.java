package io.hotvisor.patch.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.patch.builder.diff.Verdict;
import io.hotvisor.patch.format.manifest.HookPhase;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of change the issue names, as a real commit, and its exact classification. */
class ClassificationTest {
    @TempDir
    static Path work;
    static DemoRepo repo;
    static Path target;

    @BeforeAll
    static void createRepository() throws Exception {
        repo = DemoRepo.create(work.resolve("repo"));
        target = repo.buildInfo(work);
    }

    private static BuildResult dryRun(String branch, Map<String, String> files) throws Exception {
        repo.change(branch, files);
        BuildRequest request = new BuildRequest(repo.dir, repo.base.name(), branch, null, "fix", null, null, target, true,
                null, null, null, work.resolve("cache"), false, work.resolve("no-maven-repo"));
        return new PatchBuilder(request, PatchBuilder.Progress.NONE).build();
    }

    private static String scheduler(String from, String to) {
        String changed = DemoRepo.BASE_SCHEDULER.replace(from, to);
        assertThat(changed).isNotEqualTo(DemoRepo.BASE_SCHEDULER);
        return changed;
    }

    private static List<String> summary(BuildResult r) {
        return r.verdicts().stream().map(v -> v.kind() + " " + v.className() + " " + v.changes()).toList();
    }

    @Test
    void oneLineMethodFixIsARedefineOfThatClassOnly() throws Exception {
        BuildResult r = dryRun("one-line-fix", Map.of(DemoRepo.SCHEDULER, scheduler("return n + 1;", "return n + 2;")));
        assertThat(summary(r)).containsExactly("REDEFINE demo.Scheduler [method changed: int tick(int)]");
    }

    @Test
    void commentOnlyChangeIsNothingToPatch() {
        assertThatThrownBy(() -> dryRun("comment-only", Map.of(DemoRepo.SCHEDULER,
                scheduler("/** A tiny scheduler. */", "/** A tiny scheduler, now documented. */"))))
                .isInstanceOfSatisfying(BuildException.class, e -> assertThat(e.error()).isEqualTo(BuildError.NOTHING_TO_PATCH))
                .hasMessageContaining("nothing to patch");
    }

    @Test
    void pureLineShiftIsNothingToPatch() {
        assertThatThrownBy(() -> dryRun("line-shift", Map.of(DemoRepo.SCHEDULER,
                scheduler("    public int tick(int n) {", "\n\n    public int tick(int n) {"))))
                .isInstanceOfSatisfying(BuildException.class, e -> assertThat(e.error()).isEqualTo(BuildError.NOTHING_TO_PATCH));
    }

    @Test
    void newLambdaAboveAnExistingOneIsRefusedAsOneAddedLambdaNotARename() {
        assertThatThrownBy(() -> dryRun("new-lambda", Map.of(DemoRepo.SCHEDULER, scheduler(
                "        Runnable r = () -> System.out.println(\"old\");",
                "        Runnable first = () -> System.out.println(\"new\");\n        first.run();\n"
                        + "        Runnable r = () -> System.out.println(\"old\");"))))
                .isInstanceOfSatisfying(BuildException.class, e -> {
                    assertThat(e.error()).isEqualTo(BuildError.REFUSED);
                    assertThat(refusals(e)).containsExactly(
                            "refused: demo.Scheduler: lambda added: lambda$task$0 (head line 15, in task): a redefine cannot add a method");
                });
    }

    @Test
    void changedLambdaBodyIsARedefine() throws Exception {
        BuildResult r = dryRun("lambda-body", Map.of(DemoRepo.SCHEDULER, scheduler("\"old\"", "\"fixed\"")));
        assertThat(summary(r)).containsExactly("REDEFINE demo.Scheduler [method changed: void lambda$task$0()]");
    }

    @Test
    void newHelperClassIsDefinedAndItsCallerRedefined() throws Exception {
        BuildResult r = dryRun("helper", Map.of(
                DemoRepo.SCHEDULER, scheduler("return n + 1;", "return Helper.next(n);"),
                "core/src/main/java/demo/Helper.java", "package demo;\n\nclass Helper {\n    static int next(int n) {\n        return n + 2;\n    }\n}\n"));
        assertThat(summary(r)).containsExactly(
                "DEFINE demo.Helper [new class]",
                "REDEFINE demo.Scheduler [method changed: int tick(int)]");
    }

    @Test
    void changedConstantRedefinesItsClassAndEveryClassThatInlinedIt() throws Exception {
        BuildResult r = dryRun("constant", Map.of(DemoRepo.SCHEDULER, scheduler("LIMIT = 5", "LIMIT = 6")));
        assertThat(summary(r)).containsExactly(
                "REDEFINE demo.Budget [method changed: int max()]",
                "REDEFINE demo.Scheduler [constant changed: int LIMIT = 5 -> 6 (uses are recompiled with the new value; "
                        + "the field itself keeps the old one for reflection)]");
    }

    @Test
    void addedFieldIsRefusedNamingTheField() {
        assertThatThrownBy(() -> dryRun("field", Map.of(DemoRepo.SCHEDULER,
                scheduler("    private int credit;", "    private int credit;\n    int boostCredits;"))))
                .isInstanceOfSatisfying(BuildException.class, e -> {
                    assertThat(e.error()).isEqualTo(BuildError.REFUSED);
                    assertThat(refusals(e)).containsExactly("refused: demo.Scheduler: field added: int boostCredits");
                });
    }

    @Test
    void changedStaticInitializerIsRefused() {
        assertThatThrownBy(() -> dryRun("clinit", Map.of(DemoRepo.SCHEDULER, scheduler("List.of(\"a\")", "List.of(\"a\", \"b\")"))))
                .isInstanceOfSatisfying(BuildException.class, e -> assertThat(refusals(e)).containsExactly(
                        "refused: demo.Scheduler: static initializer changed (it already ran and does not run again)"));
    }

    @Test
    void hooksClassIsDefinedAndItsHooksRecorded() throws Exception {
        BuildResult r = dryRun("hooks", Map.of(
                DemoRepo.SCHEDULER, scheduler("return n + 1;", "return n + 3;"),
                "core/src/main/java/demo/FixHooks.java", """
                        package demo;

                        import io.hotvisor.livepatch.api.LivepatchHooks;
                        import io.hotvisor.livepatch.api.PostRevert;
                        import io.hotvisor.livepatch.api.PreApply;

                        @LivepatchHooks
                        public final class FixHooks {
                            @PreApply
                            public static void check() {
                            }

                            @PostRevert
                            public static void undo() {
                            }
                        }
                        """));
        assertThat(summary(r)).containsExactly(
                "DEFINE demo.FixHooks [new class]",
                "REDEFINE demo.Scheduler [method changed: int tick(int)]");
        assertThat(r.hooks()).extracting(h -> h.phase() + " " + h.bundle() + " " + h.className() + "." + h.method())
                .containsExactly(HookPhase.PRE_APPLY + " demo.core demo.FixHooks.check",
                        HookPhase.POST_REVERT + " demo.core demo.FixHooks.undo");
        assertThat(r.verdicts()).extracting(Verdict::kind).doesNotContain(Verdict.Kind.REFUSED);
    }

    /** The refusal lines of a failure, without the whole-host check's notes. */
    static java.util.List<String> refusals(BuildException e) {
        return e.details().stream().filter(d -> !d.startsWith("note: ")).toList();
    }
}
