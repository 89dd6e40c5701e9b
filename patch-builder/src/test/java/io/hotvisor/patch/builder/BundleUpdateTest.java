package io.hotvisor.patch.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.patch.builder.bundle.BundleUpdate;
import io.hotvisor.patch.builder.diff.Verdict;
import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.PayloadKind;
import io.hotvisor.patch.format.payload.Payload;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.sign.KeyFiles;
import io.hotvisor.patch.format.sign.SigningKey;
import io.hotvisor.patch.format.sign.TrustStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --allow-bundle-update}: a change a JVM cannot redefine, in a bundle that declares
 * {@code Hotvisor-Replaceable}, becomes a bundle-update payload whose jar is the distribution's with
 * the head build's classes; anything else keeps today's behaviour.
 */
class BundleUpdateTest {
    static final String FIELD_ADDED = BundleDistribution.BASE_CREDIT.replace("    private int credit;\n",
            "    private int credit;\n    int boost;\n");

    @TempDir
    static Path work;
    static BundleDistribution dist;
    static SigningKey key;
    static Path keyFile;

    @BeforeAll
    static void createDistribution() throws Exception {
        dist = BundleDistribution.create(work);
        key = SigningKey.generate();
        keyFile = KeyFiles.write(Files.createDirectories(work.resolve("keys")), "dev", key);
        dist.change("field-added", Map.of(BundleDistribution.CREDIT, FIELD_ADDED));
    }

    private static BuildRequest request(String head, Path target, String output, boolean allow) {
        boolean dryRun = output == null;
        return new BuildRequest(dist.repo(), dist.base(), head, null, "sched-boost", dryRun ? null : keyFile,
                dryRun ? null : work.resolve(output), target, dryRun, "boost credits", "dev", null, work.resolve("cache"), false,
                work.resolve("no-maven-repo"), List.of(), allow);
    }

    private static BuildResult build(String head, String output, boolean allow) throws BuildException {
        return new PatchBuilder(request(head, dist.target(), output, allow), PatchBuilder.Progress.NONE).build();
    }

    @Test
    void fieldAddedInAReplaceableBundleBecomesAVerifiedBundleUpdateOfTheDistributionsJar() throws Exception {
        BuildResult result = build("field-added", "boost.hvp", true);

        Payload payload = new PayloadReader().verify(work.resolve("boost.hvp"), TrustStore.of(List.of(key.publicKey())));
        assertThat(payload.manifest().kind()).isEqualTo(PayloadKind.BUNDLE_UPDATE);
        assertThat(payload.manifest().classes()).isEmpty();
        assertThat(payload.manifest().hooks()).isEmpty();
        assertThat(payload.manifest().metadata().headRevision()).isNotNull();
        BundleEntry entry = payload.manifest().bundles().get(0);
        assertThat(payload.manifest().bundles()).hasSize(1);
        assertThat(entry.bundle()).isEqualTo("demo.sched");
        assertThat(entry.fromVersion()).isEqualTo("1.0.0");
        assertThat(entry.toVersion()).matches("1\\.0\\.0\\.u[0-9a-f]{8}");
        assertThat(result.kind()).isEqualTo(PayloadKind.BUNDLE_UPDATE);
        assertThat(result.bundles()).extracting(BundleUpdate::toString)
                .containsExactly("demo.sched 1.0.0 -> " + entry.toVersion() + " (1 class changed, 0 added, 0 removed)");
        assertThat(result.notes()).containsExactly("as a redefine: refused: demo.sched.Credit: field added: int boost");

        byte[] jar = payload.bundleBytes(entry);
        byte[] old = Files.readAllBytes(dist.jar("demo-sched-1.0.0.jar"));
        SortedMap<String, byte[]> head = dist.compileCore(Map.of(BundleDistribution.CREDIT, FIELD_ADDED));
        List<Map.Entry<String, byte[]>> before = BundleDistribution.entries(old);
        List<Map.Entry<String, byte[]>> after = BundleDistribution.entries(jar);
        assertThat(after).extracting(Map.Entry::getKey).containsExactlyElementsOf(before.stream().map(Map.Entry::getKey).toList());
        for (int i = 0; i < before.size(); i++) {
            String name = before.get(i).getKey();
            byte[] now = after.get(i).getValue();
            if (name.equals("META-INF/MANIFEST.MF")) {
                assertThat(new String(now, StandardCharsets.UTF_8)).isEqualTo(new String(before.get(i).getValue(), StandardCharsets.UTF_8)
                        .replace("Bundle-Version: 1.0.0\r\n", "Bundle-Version: " + entry.toVersion() + "\r\n"));
            } else if (name.startsWith("demo/sched/") && !name.startsWith("demo/sched/host/") && name.endsWith(".class")) {
                assertThat(now).as(name).isEqualTo(head.get(name.replace('/', '.').replace(".class", "")));
            } else {
                assertThat(now).as(name).isEqualTo(before.get(i).getValue());
            }
        }
        assertThat(now(after, "demo/sched/Credit.class")).isNotEqualTo(now(before, "demo/sched/Credit.class"));
        Attributes headers = new Manifest(new ByteArrayInputStream(now(after, "META-INF/MANIFEST.MF"))).getMainAttributes();
        assertThat(new ArrayList<>(headers.keySet())).extracting(Object::toString).containsExactly("Manifest-Version", "Created-By",
                "Bundle-ManifestVersion", "Bundle-Name", "Bundle-SymbolicName", "Bundle-Version", "Export-Package",
                "Hotvisor-Replaceable", "Import-Package");
    }

    @Test
    void sameInputsGiveByteIdenticalJarsAndPayloads() throws Exception {
        BuildResult first = build("field-added", "first.hvp", true);
        BuildResult second = build("field-added", "second.hvp", true);
        assertThat(second.bundles().get(0).jar()).isEqualTo(first.bundles().get(0).jar());
        assertThat(second.bytes()).isEqualTo(first.bytes());
        assertThat(Files.readAllBytes(work.resolve("second.hvp"))).isEqualTo(Files.readAllBytes(work.resolve("first.hvp")));
    }

    @Test
    void withoutTheFlagTheSameChangeIsRefusedNamingTheBundleAnUpdateWouldReplace() {
        assertThatThrownBy(() -> build("field-added", null, false))
                .isInstanceOfSatisfying(BuildException.class, e -> {
                    assertThat(e.error()).isEqualTo(BuildError.REFUSED);
                    assertThat(refusals(e)).containsExactly("refused: demo.sched.Credit: field added: int boost");
                    assertThat(e.bundleUpdate()).containsExactly("demo.sched");
                });
    }

    @Test
    void fieldAddedInABundleThatIsNotReplaceableIsRefusedNamingTheBundle() throws Exception {
        dist.change("hart-field", Map.of(BundleDistribution.HART,
                BundleDistribution.BASE_HART.replace("    private long pc;\n", "    private long pc;\n    long cycles;\n")));
        assertThatThrownBy(() -> build("hart-field", "hart.hvp", true))
                .isInstanceOfSatisfying(BuildException.class, e -> {
                    assertThat(e.error()).isEqualTo(BuildError.REFUSED);
                    assertThat(refusals(e)).containsExactly("refused: demo.cpu.Hart: field added: long cycles",
                            "not a bundle update: bundle demo.cpu 1.0.0 is not replaceable (its jar demo-cpu-1.0.0.jar has no "
                                    + "Hotvisor-Replaceable header); it holds demo.cpu.Hart");
                    assertThat(e.bundleUpdate()).isEmpty();
                });
        assertThat(work.resolve("hart.hvp")).doesNotExist();
    }

    @Test
    void methodBodyChangeWithTheFlagIsStillALivepatch() throws Exception {
        dist.change("body-only", Map.of(BundleDistribution.CREDIT, BundleDistribution.BASE_CREDIT.replace("credit += n;", "credit += 2 * n;")));
        BuildResult result = build("body-only", "body.hvp", true);
        assertThat(result.kind()).isEqualTo(PayloadKind.LIVEPATCH);
        assertThat(result.bundles()).isEmpty();
        assertThat(result.verdicts()).extracting(v -> v.kind() + " " + v.className()).containsExactly("REDEFINE demo.sched.Credit");
        Payload payload = new PayloadReader().verify(work.resolve("body.hvp"), TrustStore.of(List.of(key.publicKey())));
        assertThat(payload.manifest().kind()).isEqualTo(PayloadKind.LIVEPATCH);
        assertThat(payload.manifest().classes()).extracting(c -> c.bundle() + " " + c.className())
                .containsExactly("demo.sched demo.sched.Credit");
    }

    @Test
    void targetWithoutABundlesFolderIsOneErrorSayingWhatTheFlagNeeds() throws Exception {
        Path alone = Files.createDirectories(work.resolve("info-only")).resolve("build-info.json");
        Files.copy(dist.target(), alone);
        assertThatThrownBy(() -> new PatchBuilder(request("field-added", alone, null, true), PatchBuilder.Progress.NONE).build())
                .isInstanceOfSatisfying(BuildException.class, e -> {
                    assertThat(e.error()).isEqualTo(BuildError.BAD_TARGET);
                    assertThat(e.error().exitStatus()).isEqualTo(2);
                    assertThat(e.getMessage()).isEqualTo("--allow-bundle-update needs the distribution's build-info.json, with the "
                            + "bundle jars in bundles/ beside it (an 'hvctl info --json' target has no jars)");
                });
    }

    @Test
    void bundleJarWhoseClassesAreNotTheBuildsIsRefusedAsNotTheTarget() throws Exception {
        Path other = Files.createDirectories(work.resolve("other-dist/bundles"));
        Path target = other.resolveSibling("build-info.json");
        Files.copy(dist.target(), target);
        Files.copy(dist.jar("demo-cpu-1.0.0.jar"), other.resolve("demo-cpu-1.0.0.jar"));
        Map<String, byte[]> classes = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : BundleDistribution.entries(Files.readAllBytes(dist.jar("demo-sched-1.0.0.jar")))) {
            if (e.getKey().endsWith(".class")) {
                byte[] bytes = e.getValue();
                if (e.getKey().equals("demo/sched/Credit.class")) {
                    bytes = dist.compileCore(Map.of(BundleDistribution.CREDIT, FIELD_ADDED)).get("demo.sched.Credit");
                }
                classes.put(e.getKey().replace(".class", "").replace('/', '.'), bytes);
            }
        }
        BundleDistribution.writeJar(other.resolve("demo-sched-1.0.0.jar"), BundleDistribution.SCHED_HEADERS, List.of(), classes, Map.of());
        assertThatThrownBy(() -> new PatchBuilder(request("field-added", target, null, true), PatchBuilder.Progress.NONE).build())
                .isInstanceOfSatisfying(BuildException.class, e -> {
                    assertThat(e.error()).isEqualTo(BuildError.BAD_TARGET);
                    // The target's integrity check finds the foreign jar before anything is compiled.
                    assertThat(e.getMessage()).contains("class demo.sched.Credit of bundle demo.sched has sha256 ")
                            .contains("but its jar holds ").contains("the build-info was edited or belongs to other jars");
                });
    }

    @Test
    void addedAndDeletedClassesAreAddedToAndDroppedFromTheNewJar() throws Exception {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(BundleDistribution.CREDIT, FIELD_ADDED);
        files.put("core/src/main/java/demo/sched/Boost.java", "package demo.sched;\n\n/** New. */\npublic class Boost {\n}\n");
        files.put(BundleDistribution.STALE, null);
        dist.change("add-and-delete", files);
        BuildResult result = build("add-and-delete", null, true);
        BundleUpdate update = result.bundles().get(0);
        assertThat(update.changed()).containsExactly("demo.sched.Credit");
        assertThat(update.added()).containsExactly("demo.sched.Boost");
        assertThat(update.removed()).containsExactly("demo.sched.Stale");
        List<String> names = BundleDistribution.entries(update.jar()).stream().map(Map.Entry::getKey).toList();
        assertThat(names).doesNotContain("demo/sched/Stale.class").endsWith("demo/sched/Boost.class")
                .contains("demo/sched/host/Activator.class", "demo/sched/defaults.properties");
        assertThat(result.bytes()).isNull();
    }

    @Test
    void hooksClassWithTheFlagIsRefusedBecauseABundleUpdateCarriesNoHooks() throws Exception {
        dist.change("field-and-hooks", Map.of(BundleDistribution.CREDIT, FIELD_ADDED,
                "core/src/main/java/demo/sched/BoostHooks.java", """
                        package demo.sched;

                        import io.hotvisor.livepatch.api.LivepatchHooks;
                        import io.hotvisor.livepatch.api.PreApply;

                        @LivepatchHooks
                        public final class BoostHooks {
                            @PreApply
                            public static void check() {
                            }
                        }
                        """));
        assertThatThrownBy(() -> build("field-and-hooks", null, true))
                .isInstanceOfSatisfying(BuildException.class, e -> {
                    assertThat(e.error()).isEqualTo(BuildError.REFUSED);
                    assertThat(refusals(e)).contains("not a bundle update: demo.sched.BoostHooks is a @LivepatchHooks class, "
                            + "and a bundle-update payload carries no hooks");
                });
    }

    @Test
    void dryRunWithTheFlagSaysWhatItWouldReplaceAndWritesNothing() throws Exception {
        BuildResult result = build("field-added", null, true);
        assertThat(result.kind()).isEqualTo(PayloadKind.BUNDLE_UPDATE);
        assertThat(result.output()).isNull();
        assertThat(result.payloadBuildId()).isNull();
        assertThat(result.verdicts()).extracting(Verdict::kind).containsExactly(Verdict.Kind.REFUSED);
        assertThat(result.bundles()).extracting(BundleUpdate::bundle).containsExactly("demo.sched");
    }

    private static byte[] now(List<Map.Entry<String, byte[]>> entries, String name) {
        return entries.stream().filter(e -> e.getKey().equals(name)).findFirst().orElseThrow().getValue();
    }

    /** The refusal lines of a failure, without the whole-host check's notes. */
    static java.util.List<String> refusals(BuildException e) {
        return e.details().stream().filter(d -> !d.startsWith("note: ")).toList();
    }
}
